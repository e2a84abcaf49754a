#pragma once
#include <cstdint>
#include <string>

#include "core/io.h"

// The `settings` table: an owner's key/value settings, among them the model
// aliases (keys 'model_alias:<name>').
namespace keyaos::store::settings {

inline constexpr const char* kModelAliasPrefix = "model_alias:";

Statement model_aliases(const std::string& owner_id);
// How many aliases the owner has besides `alias`.
Statement count_other_aliases(const std::string& owner_id, const std::string& alias);
Statement put_alias(const std::string& owner_id, const std::string& alias, const std::string& model_id, int64_t now_ms);
// Returns the key when the alias existed.
Statement remove_alias(const std::string& owner_id, const std::string& alias);

}  // namespace keyaos::store::settings
