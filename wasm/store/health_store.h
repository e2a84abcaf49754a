#pragma once
#include <cstdint>
#include <string>

#include "core/io.h"

// The `cooldowns` table: a credential x model resting after failures
// ('*' for the whole credential). Rows are keyed by credential; an owner's
// rows are read through their credentials.
namespace keyaos::store::health {

// The owner's cooldowns ending after `after_ms`, soonest first.
Statement owner_cooldowns(const std::string& owner_id, int64_t after_ms);
// Platform mode: every owner's cooldowns ending after `after_ms` (at most `limit`).
Statement pool_cooldowns(int64_t after_ms, size_t limit);
Statement upsert(const std::string& credential_id, const std::string& model_id, int64_t until_ms, int64_t failures,
                 const std::string& reason, int64_t now_ms);
Statement clear(const std::string& credential_id, const std::string& model_id);
// Every cooldown of a credential.
Statement clear_credential(const std::string& credential_id);
// Every cooldown of a credential, when `when` holds (bound, so the batch keeps its shape).
Statement clear_credential_if(const std::string& credential_id, bool when);
// A credential's cooldowns once its row is gone.
Statement clear_deleted(const std::string& credential_id);

}  // namespace keyaos::store::health
