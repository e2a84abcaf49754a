#include "store/api_keys_store.h"

#include <algorithm>
#include <iterator>

#include "store/sql.h"

namespace keyaos::store::api_keys {
namespace {

const char* kShownColumns =
    "SELECT id, name, key_hint, is_enabled, expires_at, quota_nusd, used_nusd, request_count, allowed_models, "
    "allowed_ips, created_at, last_used_at FROM api_keys";

// Column names are written into the SQL: only these.
const char* const kSettable[] = {"name", "is_enabled", "expires_at", "quota_nusd", "allowed_models", "allowed_ips"};

bool settable(const std::string& column) {
  return std::any_of(std::begin(kSettable), std::end(kSettable), [&](const char* c) { return column == c; });
}

}  // namespace

Statement by_hash(const std::string& key_hash) {
  return statement("api_keys.by_hash",
                   "SELECT id, owner_id, is_enabled, expires_at, quota_nusd, used_nusd, allowed_models, allowed_ips FROM api_keys "
                   "WHERE key_hash = ?",
                   Json::array({key_hash}));
}

Statement list(const std::string& owner_id) {
  return statement("api_keys.list", std::string(kShownColumns) + " WHERE owner_id = ? ORDER BY created_at DESC", Json::array({owner_id}));
}

Statement get(const std::string& owner_id, const std::string& id) {
  return statement("api_keys.get", std::string(kShownColumns) + " WHERE owner_id = ? AND id = ?", Json::array({owner_id, id}));
}

Statement insert(const std::string& owner_id, const NewKey& key, const Json& fields) {
  return statement("api_keys.insert",
                   "INSERT INTO api_keys (id, owner_id, name, key_hash, key_hint, is_enabled, expires_at, quota_nusd, "
                   "allowed_models, allowed_ips, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   Json::array({key.id, owner_id, fields.value("name", Json(nullptr)), key.key_hash, key.hint,
                                fields.value("is_enabled", Json(1)), fields.value("expires_at", Json(nullptr)),
                                fields.value("quota_nusd", Json(nullptr)), fields.value("allowed_models", Json(nullptr)),
                                fields.value("allowed_ips", Json(nullptr)), key.now_ms}));
}

Statement update(const std::string& owner_id, const std::string& id, const Json& fields) {
  Statement s = statement("api_keys.update", "UPDATE api_keys SET ");
  bool first = true;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (!settable(it.key())) continue;
    s.sql += (first ? "" : ", ") + it.key() + " = ?";
    s.params.push_back(it.value());
    first = false;
  }
  s.sql += " WHERE owner_id = ? AND id = ?";
  s.params.push_back(owner_id);
  s.params.push_back(id);
  return s;
}

Statement reset_usage(const std::string& owner_id, const std::string& id) {
  return statement("api_keys.reset_usage", "UPDATE api_keys SET used_nusd = 0, request_count = 0 WHERE owner_id = ? AND id = ?",
                   Json::array({owner_id, id}));
}

Statement remove(const std::string& owner_id, const std::string& id) {
  return statement("api_keys.remove", "DELETE FROM api_keys WHERE owner_id = ? AND id = ? RETURNING id", Json::array({owner_id, id}));
}

Statement spend(const std::string& owner_id, const std::string& id) {
  return statement("api_keys.spend", "SELECT used_nusd, quota_nusd FROM api_keys WHERE id = ? AND owner_id = ?", Json::array({id, owner_id}));
}

}  // namespace keyaos::store::api_keys
