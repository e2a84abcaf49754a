#include "store/settings_store.h"

#include "store/sql.h"

namespace keyaos::store::settings {

Statement model_aliases(const std::string& owner_id) {
  return statement("settings.model_aliases",
                   "SELECT key, value, updated_at FROM settings WHERE owner_id = ? AND key LIKE 'model\\_alias:%' ESCAPE '\\' "
                   "ORDER BY key",
                   Json::array({owner_id}));
}

Statement count_other_aliases(const std::string& owner_id, const std::string& alias) {
  return statement("settings.count_other_aliases",
                   "SELECT COUNT(*) AS n FROM settings WHERE owner_id = ? AND key LIKE 'model\\_alias:%' ESCAPE '\\' AND key <> ?",
                   Json::array({owner_id, kModelAliasPrefix + alias}));
}

Statement put_alias(const std::string& owner_id, const std::string& alias, const std::string& model_id, int64_t now_ms) {
  return statement("settings.put_alias",
                   "INSERT INTO settings (owner_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (owner_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                   Json::array({owner_id, kModelAliasPrefix + alias, model_id, now_ms}));
}

Statement remove_alias(const std::string& owner_id, const std::string& alias) {
  return statement("settings.remove_alias", "DELETE FROM settings WHERE owner_id = ? AND key = ? RETURNING key",
                   Json::array({owner_id, kModelAliasPrefix + alias}));
}

}  // namespace keyaos::store::settings
