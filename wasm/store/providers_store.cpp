#include "store/providers_store.h"

#include "store/sql.h"

namespace keyaos::store::providers {

Statement list(const std::string& owner_id) {
  return statement("providers.list", "SELECT id, definition FROM custom_providers WHERE owner_id = ? ORDER BY created_at",
                   Json::array({owner_id}));
}

Statement all_owners() {
  return statement("providers.all_owners", "SELECT owner_id, id, definition FROM custom_providers ORDER BY created_at");
}

Statement definition(const std::string& owner_id, const std::string& id) {
  return statement("providers.definition", "SELECT definition FROM custom_providers WHERE owner_id = ? AND id = ?",
                   Json::array({owner_id, id}));
}

Statement insert(const std::string& owner_id, const std::string& id, const std::string& definition, int64_t now_ms) {
  return statement("providers.insert",
                   "INSERT INTO custom_providers (id, owner_id, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                   Json::array({id, owner_id, definition, now_ms, now_ms}));
}

Statement update(const std::string& owner_id, const std::string& id, const std::string& definition, int64_t now_ms) {
  return statement("providers.update", "UPDATE custom_providers SET definition = ?, updated_at = ? WHERE owner_id = ? AND id = ?",
                   Json::array({definition, now_ms, owner_id, id}));
}

Statement remove_unused(const std::string& owner_id, const std::string& id) {
  return statement("providers.remove_unused",
                   "DELETE FROM custom_providers WHERE id = ?1 AND owner_id = ?2 AND NOT EXISTS (SELECT 1 FROM credentials "
                   "WHERE owner_id = ?2 AND provider_id = ?1) RETURNING id",
                   Json::array({id, owner_id}));
}

}  // namespace keyaos::store::providers
