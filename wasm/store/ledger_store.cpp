#include "store/ledger_store.h"

#include "store/sql.h"

namespace keyaos::store::ledger {
namespace {

Json nullable(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }
Json nullable_ms(int64_t v) { return v < 0 ? Json(nullptr) : Json(v); }
std::string clip(const std::string& s, size_t n = 500) { return s.size() <= n ? s : s.substr(0, n); }
constexpr size_t kAttemptColumns = 13;
constexpr size_t kMaxParams = 100;  // D1's limit per statement

// By the log table's whole key (owner ?5, start ?6, id ?4): one lookup, one row read.
const char* kUnlogged = " AND NOT EXISTS (SELECT 1 FROM request_logs WHERE owner_id = ?5 AND created_at = ?6 AND id = ?4)";

const char* kLogColumns =
    "SELECT id, created_at, model_id, served_model, provider_id, credential_id, api_key_id, status, http_status, "
    "error_class, error_message, stream, api, input_tokens, output_tokens, cached_tokens, cache_write_tokens, "
    "reasoning_tokens, base_cost_nusd, "
    "price_multiplier, effective_cost_nusd, list_cost_nusd, cost_source, usage_estimated, client_aborted, latency_ms, "
    "first_byte_ms, attempts, attempt_offset_ms, owner_id, credential_owner_id, consumer_charged_nusd, "
    "provider_earned_nusd FROM request_logs";

const char* kSums =
    "COUNT(*) AS requests, SUM(status = 'error') AS errors, SUM(input_tokens) AS input_tokens, "
    "SUM(output_tokens) AS output_tokens, SUM(base_cost_nusd) AS base, SUM(effective_cost_nusd) AS effective, "
    "SUM(list_cost_nusd) AS list";

}  // namespace

Statement charge_credential(const billing::RequestRecord& r) {
  // The quota never goes below zero; a zero quota takes the credential out of routing.
  return statement("ledger.charge_credential",
                   std::string("UPDATE credentials SET quota_nusd = CASE WHEN quota_nusd IS NULL THEN NULL ELSE "
                               "MAX(quota_nusd - ?1, 0) END, spent_nusd = spent_nusd + ?1, request_count = request_count + 1, "
                               "updated_at = ?2 WHERE id = ?3 AND owner_id = ?7") + kUnlogged,
                   Json::array({r.cost.effective, r.created_at, r.credential_id, r.id, r.owner_id, r.created_at,
                                // A shared-pool request spends its contributor's credential.
                                r.credential_owner_id.empty() ? r.owner_id : r.credential_owner_id}));
}

Statement charge_api_key(const billing::RequestRecord& r, int64_t cost_nusd) {
  return statement("ledger.charge_api_key",
                   std::string("UPDATE api_keys SET used_nusd = used_nusd + ?1, request_count = request_count + 1, "
                               "last_used_at = ?2 WHERE id = ?3 AND owner_id = ?5") + kUnlogged,
                   Json::array({cost_nusd, r.created_at, r.api_key_id, r.id, r.owner_id, r.created_at}));
}

Statement release_reservation(const std::string& request_id) {
  return statement("ledger.release_reservation", "DELETE FROM api_key_reservations WHERE request_id = ?", Json::array({request_id}));
}

std::vector<Statement> insert_attempts(const billing::RequestRecord& r, const std::vector<billing::AttemptRecord>& attempts) {
  std::vector<Statement> out;
  const size_t per_statement = kMaxParams / kAttemptColumns;
  for (size_t i = 0; i < attempts.size(); i += per_statement) {
    Statement s = statement("ledger.insert_attempts",
                            "INSERT OR IGNORE INTO request_attempt_rows (request_id, attempt, owner_id, provider_id, "
                            "credential_id, model_id, status, http_status, error_class, error_message, latency_ms, "
                            "first_byte_ms, created_at) VALUES ");
    for (size_t j = i; j < attempts.size() && j < i + per_statement; ++j) {
      const billing::AttemptRecord& a = attempts[j];
      if (j > i) s.sql += ",";
      s.sql += "(?,?,?,?,?,?,?,?,?,?,?,?,?)";
      for (Json v : {Json(r.id), Json(static_cast<int64_t>(j + 1)), Json(r.owner_id), Json(a.provider_id),
                     Json(a.credential_id), Json(a.model_id), Json(a.ok ? "ok" : "error"),
                     a.http_status ? Json(a.http_status) : Json(nullptr), nullable(a.error_class),
                     nullable(clip(a.error_message)), Json(a.latency_ms), nullable_ms(a.first_byte_ms),
                     Json(a.started_at)})
        s.params.push_back(std::move(v));
    }
    out.push_back(std::move(s));
  }
  return out;
}

Statement insert_log(const billing::RequestRecord& r, int64_t attempt_count, std::optional<int64_t> attempt_offset_ms) {
  const bool billed = r.ok;  // a failed request costs nothing and counts no tokens
  return statement(
      "ledger.insert_log",
      "INSERT OR IGNORE INTO request_logs (id, owner_id, api_key_id, model_id, served_model, provider_id, credential_id, "
      "status, http_status, error_class, error_message, stream, input_tokens, output_tokens, cached_tokens, "
      "reasoning_tokens, base_cost_nusd, price_multiplier, effective_cost_nusd, list_cost_nusd, cost_source, "
      "usage_estimated, client_aborted, attempts, latency_ms, first_byte_ms, created_at, api, cache_write_tokens, "
      "attempt_offset_ms, credential_owner_id, consumer_charged_nusd, provider_earned_nusd) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      Json::array({r.id, r.owner_id, nullable(r.api_key_id), r.model_id, nullable(r.served_model), nullable(r.provider_id),
                   nullable(r.credential_id), r.ok ? "ok" : "error", r.http_status, nullable(r.error_class),
                   nullable(clip(r.error_message)), r.stream ? 1 : 0, billed ? r.usage.prompt_tokens : 0,
                   billed ? r.usage.completion_tokens : 0, billed ? r.usage.cached_tokens : 0,
                   billed ? r.usage.reasoning_tokens : 0, billed ? r.cost.base : 0, r.cost.multiplier,
                   billed ? r.cost.effective : 0, billed ? r.cost.list : 0,
                   billed ? Json(r.cost.upstream_reported ? "upstream" : "catalog") : Json(nullptr),
                   billed && r.usage.estimated ? 1 : 0, r.client_aborted ? 1 : 0, attempt_count, r.latency_ms,
                   nullable_ms(r.first_byte_ms), r.created_at, r.api, billed ? r.usage.cache_write_tokens : 0,
                   attempt_offset_ms ? Json(*attempt_offset_ms) : Json(nullptr), nullable(r.credential_owner_id),
                   billed ? r.settlement.consumer_charged : 0, billed ? r.settlement.provider_earned : 0}));
}

Statement expire_reservations(const std::string& api_key_id, int64_t before_ms) {
  return statement("ledger.expire_reservations", "DELETE FROM api_key_reservations WHERE api_key_id = ? AND created_at < ?",
                   Json::array({api_key_id, before_ms}));
}

Statement reserve(const std::string& owner_id, const std::string& api_key_id, const std::string& request_id,
                  int64_t amount_nusd, int64_t now_ms) {
  return statement("ledger.reserve",
                   "INSERT INTO api_key_reservations (request_id, api_key_id, amount_nusd, created_at) "
                   "SELECT ?1, k.id, ?2, ?3 FROM api_keys k WHERE k.id = ?4 AND k.owner_id = ?5 AND (k.quota_nusd IS NULL OR "
                   "k.used_nusd + ?2 + (SELECT COALESCE(SUM(r.amount_nusd), 0) FROM api_key_reservations r WHERE "
                   "r.api_key_id = ?4) <= k.quota_nusd) RETURNING request_id",
                   Json::array({request_id, amount_nusd, now_ms, api_key_id, owner_id}));
}

Statement list_logs(const std::string& owner_id, const LogQuery& q) {
  Statement s = q.with_earned ? statement("ledger.list_logs", std::string(kLogColumns) + " WHERE (owner_id = ? OR credential_owner_id = ?)",
                                         Json::array({owner_id, owner_id}))
                              : statement("ledger.list_logs", std::string(kLogColumns) + " WHERE owner_id = ?", Json::array({owner_id}));
  if (!q.after && q.before_ms) {
    s.sql += " AND created_at < ?";
    s.params.push_back(*q.before_ms);
  }
  for (const auto& [column, value] : {std::pair<const char*, const std::string&>{"model_id", q.model_id},
                                      {"provider_id", q.provider_id},
                                      {"status", q.status},
                                      {"api_key_id", q.api_key_id}}) {
    if (value.empty()) continue;
    s.sql += std::string(" AND ") + column + " = ?";
    s.params.push_back(value);
  }
  if (q.since_ms) {
    s.sql += " AND created_at >= ?";
    s.params.push_back(*q.since_ms);
  }
  // Rows after the cursor in (created_at DESC, id DESC) order.
  append_newest_first_page(s, q.after, q.limit);
  return s;
}

Statement get_log(const std::string& owner_id, const std::string& id, std::optional<int64_t> started_ms) {
  if (started_ms)
    return statement("ledger.get_log", std::string(kLogColumns) + " WHERE owner_id = ? AND created_at = ? AND id = ?",
                     Json::array({owner_id, *started_ms, id}));
  return statement("ledger.get_log", std::string(kLogColumns) + " WHERE owner_id = ? AND id = ?", Json::array({owner_id, id}));
}

Statement attempts(const std::string& owner_id, const std::string& request_id, bool own_credentials_only) {
  const std::string credential =
      own_credentials_only ? "CASE WHEN EXISTS (SELECT 1 FROM credentials k WHERE k.id = a.credential_id AND k.owner_id = ?1) "
                             "THEN a.credential_id END AS credential_id"
                           : "a.credential_id";
  return statement("ledger.attempts",
                   "SELECT a.attempt, a.provider_id, " + credential + ", a.model_id, a.status, a.http_status, a.error_class, "
                   "a.error_message, a.latency_ms, a.first_byte_ms, a.created_at FROM request_attempt_rows a WHERE "
                   "a.owner_id = ?1 AND a.request_id = ?2 ORDER BY a.attempt",
                   Json::array({owner_id, request_id}));
}

Statement usage(const std::string& owner_id, int64_t since_ms, UsageGroup group) {
  const char* key = "''";
  switch (group) {
    case UsageGroup::total: break;
    case UsageGroup::day: key = "strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')"; break;
    case UsageGroup::model: key = "model_id"; break;
    case UsageGroup::provider: key = "COALESCE(provider_id, '')"; break;
  }
  return statement("ledger.usage",
                   std::string("SELECT ") + key + " AS k, " + kSums + " FROM request_logs WHERE owner_id = ? AND created_at >= ?" +
                       (group == UsageGroup::total ? "" : " GROUP BY k ORDER BY k"),
                   Json::array({owner_id, since_ms}));
}

}  // namespace keyaos::store::ledger
