#pragma once
#include <cstdint>
#include <string>

#include "core/io.h"

// The `api_keys` table. The owner is bound in every statement but the
// lookup by hash, which is how a caller's owner is found.
namespace keyaos::store::api_keys {

// What authentication needs of the key with this SHA-256.
Statement by_hash(const std::string& key_hash);
// The management API's view (no hash), newest first.
Statement list(const std::string& owner_id);
Statement get(const std::string& owner_id, const std::string& id);

struct NewKey {
  std::string id;
  std::string key_hash;
  std::string hint;
  int64_t now_ms = 0;
};
// `fields` holds the settable columns (see update); name is required.
Statement insert(const std::string& owner_id, const NewKey& key, const Json& fields);
// Sets the columns in `fields` (name, is_enabled, expires_at, quota_nusd,
// allowed_models, allowed_ips); any other key is ignored.
Statement update(const std::string& owner_id, const std::string& id, const Json& fields);
Statement reset_usage(const std::string& owner_id, const std::string& id);
Statement remove(const std::string& owner_id, const std::string& id);
// The key's spend and quota, as the ledger last wrote them.
Statement spend(const std::string& owner_id, const std::string& id);

}  // namespace keyaos::store::api_keys
