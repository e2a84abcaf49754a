#include "store/sync_state_store.h"

#include "store/sql.h"

namespace keyaos::store::sync_state {
namespace {

std::string state_key(const std::string& provider_id) { return "sync:" + provider_id; }
std::string rows_key(const std::string& provider_id) { return "sync_rows:" + provider_id; }

Statement put(const char* name, const std::string& key, const std::string& value) {
  return statement(name, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   Json::array({key, value}));
}

}  // namespace

Statement all() { return statement("sync_state.all", "SELECT key, value FROM meta WHERE key LIKE 'sync:%'"); }

std::string provider_of(const std::string& key) { return key.rfind("sync:", 0) == 0 ? key.substr(5) : key; }

Statement put_state(const std::string& provider_id, const std::string& state_json) {
  return put("sync_state.put_state", state_key(provider_id), state_json);
}

Statement row_digests(const std::string& provider_id) {
  return statement("sync_state.row_digests", "SELECT value FROM meta WHERE key = ?", Json::array({rows_key(provider_id)}));
}

Statement put_row_digests(const std::string& provider_id, const std::string& digests) {
  return put("sync_state.put_row_digests", rows_key(provider_id), digests);
}

Statement forget(const std::string& provider_id) {
  return statement("sync_state.forget", "DELETE FROM meta WHERE key IN (?, ?)",
                   Json::array({state_key(provider_id), rows_key(provider_id)}));
}

Statement forget_unowned_custom(const std::string& provider_id) {
  return statement("sync_state.forget_unowned_custom",
                   "DELETE FROM meta WHERE key IN (?, ?) AND NOT EXISTS (SELECT 1 FROM custom_providers WHERE id = ?)",
                   Json::array({state_key(provider_id), rows_key(provider_id), provider_id}));
}

}  // namespace keyaos::store::sync_state
