#pragma once
#include <cstddef>
#include <string>

#include "core/io.h"

// The catalogue sync's state in `meta`, per provider and catalogue owner
// (store/catalog_store.h: '' for built-in providers): 'sync:<scope>' (the last
// run's outcome, JSON) and 'sync_rows:<scope>' (digests of the rows it wrote),
// where the scope is the provider id, or '<owner>/<provider id>' for a custom
// provider (provider ids have no '/').
namespace keyaos::store::sync_state {

// The scope of a provider's state: what state_key() and all() name it by.
std::string scope(const std::string& catalog_owner, const std::string& provider_id);

// Every provider's state (key, value), across owners, for the cron.
Statement all();
// The states an owner sees: built-in providers' and the owner's own.
Statement visible(const std::string& owner_id);
// The scope in a key that all() or visible() returned.
std::string scope_of(const std::string& state_key);
// The provider id in a scope.
std::string provider_of_scope(const std::string& scope);

Statement put_state(const std::string& catalog_owner, const std::string& provider_id, const std::string& state_json);
Statement row_digests(const std::string& catalog_owner, const std::string& provider_id);
Statement put_row_digests(const std::string& catalog_owner, const std::string& provider_id, const std::string& digests);
// Both keys: the next sync writes every row again.
Statement forget(const std::string& catalog_owner, const std::string& provider_id);
// Both keys of an owner's custom provider, once the owner no longer has it.
Statement forget_deleted_custom(const std::string& owner_id, const std::string& provider_id);

}  // namespace keyaos::store::sync_state
