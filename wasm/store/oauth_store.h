#pragma once
#include <cstdint>
#include <string>

#include "core/io.h"

// An OAuth credential's sealed state in `credentials`, written back by
// compare-and-swap after a token refresh.
namespace keyaos::store::oauth {

Statement read_secret(const std::string& owner_id, const std::string& credential_id);
// Writes the new ciphertext and state only over `stored_ciphertext`; returns the id when it did.
Statement write_back(const std::string& owner_id, const std::string& credential_id, const std::string& ciphertext,
                     const std::string& state, int64_t now_ms, const std::string& stored_ciphertext);

}  // namespace keyaos::store::oauth
