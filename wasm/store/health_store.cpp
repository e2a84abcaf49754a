#include "store/health_store.h"

#include "store/sql.h"

namespace keyaos::store::health {

Statement owner_cooldowns(const std::string& owner_id, int64_t after_ms) {
  return statement("health.owner_cooldowns",
                   "SELECT c.credential_id, c.model_id, c.until_ms, c.failures, c.reason FROM cooldowns c JOIN credentials k "
                   "ON k.id = c.credential_id WHERE k.owner_id = ? AND c.until_ms > ? ORDER BY c.until_ms",
                   Json::array({owner_id, after_ms}));
}

Statement pool_cooldowns(int64_t after_ms, size_t limit) {
  return statement("health.pool_cooldowns",
                   "SELECT credential_id, model_id, until_ms, failures, reason FROM cooldowns WHERE until_ms > ? "
                   "ORDER BY until_ms LIMIT ?",
                   Json::array({after_ms, static_cast<int64_t>(limit)}));
}

Statement upsert(const std::string& credential_id, const std::string& model_id, int64_t until_ms, int64_t failures,
                 const std::string& reason, int64_t now_ms) {
  return statement("health.upsert",
                   "INSERT INTO cooldowns (credential_id, model_id, until_ms, failures, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (credential_id, model_id) DO UPDATE SET until_ms = excluded.until_ms, failures = excluded.failures, "
                   "reason = excluded.reason, updated_at = excluded.updated_at",
                   Json::array({credential_id, model_id, until_ms, failures, reason, now_ms}));
}

Statement clear(const std::string& credential_id, const std::string& model_id) {
  return statement("health.clear", "DELETE FROM cooldowns WHERE credential_id = ? AND model_id = ?", Json::array({credential_id, model_id}));
}

Statement clear_credential(const std::string& credential_id) {
  return statement("health.clear_credential", "DELETE FROM cooldowns WHERE credential_id = ?", Json::array({credential_id}));
}

Statement clear_credential_if(const std::string& credential_id, bool when) {
  return statement("health.clear_credential_if", "DELETE FROM cooldowns WHERE credential_id = ? AND ?",
                   Json::array({credential_id, when ? 1 : 0}));
}

Statement clear_deleted(const std::string& credential_id) {
  return statement("health.clear_deleted",
                   "DELETE FROM cooldowns WHERE credential_id = ? AND NOT EXISTS (SELECT 1 FROM credentials WHERE id = ?)",
                   Json::array({credential_id, credential_id}));
}

}  // namespace keyaos::store::health
