#include "store/sync_state_store.h"

#include "store/sql.h"

namespace keyaos::store::sync_state {
namespace {

std::string state_key(const std::string& scope) { return "sync:" + scope; }
std::string rows_key(const std::string& scope) { return "sync_rows:" + scope; }

Statement put(const char* name, const std::string& key, const std::string& value) {
  return statement(name, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   Json::array({key, value}));
}

}  // namespace

std::string scope(const std::string& catalog_owner, const std::string& provider_id) {
  return catalog_owner.empty() ? provider_id : catalog_owner + "/" + provider_id;
}

Statement all() { return statement("sync_state.all", "SELECT key, value FROM meta WHERE key LIKE 'sync:%'"); }

Statement visible(const std::string& owner_id) {
  const std::string own_prefix = state_key(owner_id + "/");
  return statement("sync_state.visible",
                   "SELECT key, value FROM meta WHERE key LIKE 'sync:%' AND (instr(key, '/') = 0 OR substr(key, 1, ?2) = ?1)",
                   Json::array({own_prefix, static_cast<int64_t>(own_prefix.size())}));
}

std::string scope_of(const std::string& key) { return key.rfind("sync:", 0) == 0 ? key.substr(5) : key; }

std::string provider_of_scope(const std::string& scope) {
  auto slash = scope.rfind('/');
  return slash == std::string::npos ? scope : scope.substr(slash + 1);
}

Statement put_state(const std::string& catalog_owner, const std::string& provider_id, const std::string& state_json) {
  return put("sync_state.put_state", state_key(scope(catalog_owner, provider_id)), state_json);
}

Statement row_digests(const std::string& catalog_owner, const std::string& provider_id) {
  return statement("sync_state.row_digests", "SELECT value FROM meta WHERE key = ?",
                   Json::array({rows_key(scope(catalog_owner, provider_id))}));
}

Statement put_row_digests(const std::string& catalog_owner, const std::string& provider_id, const std::string& digests) {
  return put("sync_state.put_row_digests", rows_key(scope(catalog_owner, provider_id)), digests);
}

Statement forget(const std::string& catalog_owner, const std::string& provider_id) {
  const std::string s = scope(catalog_owner, provider_id);
  return statement("sync_state.forget", "DELETE FROM meta WHERE key IN (?, ?)", Json::array({state_key(s), rows_key(s)}));
}

Statement forget_deleted_custom(const std::string& owner_id, const std::string& provider_id) {
  const std::string s = scope(owner_id, provider_id);
  return statement("sync_state.forget_deleted_custom",
                   "DELETE FROM meta WHERE key IN (?1, ?2) AND NOT EXISTS (SELECT 1 FROM custom_providers WHERE owner_id = ?3 AND id = ?4)",
                   Json::array({state_key(s), rows_key(s), owner_id, provider_id}));
}

}  // namespace keyaos::store::sync_state
