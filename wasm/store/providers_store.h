#pragma once
#include <cstdint>
#include <string>

#include "core/io.h"

// The `custom_providers` table: an owner's own OpenAI-compatible providers,
// each a JSON definition.
namespace keyaos::store::providers {

// The owner's providers (id, definition), oldest first.
Statement list(const std::string& owner_id);
// Every owner's providers (owner_id, id, definition), for the cron's sync.
Statement all_owners();
Statement definition(const std::string& owner_id, const std::string& id);
Statement insert(const std::string& owner_id, const std::string& id, const std::string& definition, int64_t now_ms);
Statement update(const std::string& owner_id, const std::string& id, const std::string& definition, int64_t now_ms);
// Deletes the provider only while none of the owner's credentials use it; returns the id when it did.
Statement remove_unused(const std::string& owner_id, const std::string& id);

}  // namespace keyaos::store::providers
