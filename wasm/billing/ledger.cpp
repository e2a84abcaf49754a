#include "billing/ledger.h"

namespace keyaos::billing {
namespace {
Json nullable(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }
Json nullable_ms(int64_t v) { return v < 0 ? Json(nullptr) : Json(v); }
std::string clip(const std::string& s, size_t n = 500) { return s.size() <= n ? s : s.substr(0, n); }
constexpr size_t kAttemptColumns = 13;
constexpr size_t kMaxParams = 100;  // D1's limit per statement
}  // namespace

std::vector<Statement> ledger_statements(const RequestRecord& r, const std::vector<AttemptRecord>& attempts) {
  std::vector<Statement> out;
  const bool billed = r.ok;
  // The batch is one D1 transaction, and it may run twice (a write that
  // committed but whose answer was lost is retried). The balance updates come
  // first and act only while this request's log row does not exist yet; the
  // row is inserted last, so a replay finds it and changes nothing.
  const std::string unlogged = " AND NOT EXISTS (SELECT 1 FROM request_logs WHERE id = ?4)";
  if (billed && !r.credential_id.empty()) {
    Statement q;
    // The quota never goes below zero; a zero quota takes the credential out of routing.
    q.sql =
        "UPDATE credentials SET quota_nusd = CASE WHEN quota_nusd IS NULL THEN NULL ELSE MAX(quota_nusd - ?1, 0) END, "
        "spent_nusd = spent_nusd + ?1, request_count = request_count + 1, updated_at = ?2 WHERE id = ?3" + unlogged;
    q.params = Json::array({r.cost.effective, r.created_at, r.credential_id, r.id});
    out.push_back(std::move(q));
  }
  if (!r.api_key_id.empty()) {
    Statement k;
    k.sql = "UPDATE api_keys SET used_nusd = used_nusd + ?1, request_count = request_count + 1, last_used_at = ?2 WHERE id = ?3" + unlogged;
    k.params = Json::array({billed ? r.cost.effective : 0, r.created_at, r.api_key_id, r.id});
    out.push_back(std::move(k));
    // The real cost replaces the estimate reserved at the start (if any).
    Statement release;
    release.sql = "DELETE FROM api_key_reservations WHERE request_id = ?";
    release.params = Json::array({r.id});
    out.push_back(std::move(release));
  }

  const size_t per_statement = kMaxParams / kAttemptColumns;
  for (size_t i = 0; i < attempts.size(); i += per_statement) {
    Statement s;
    s.sql =
        "INSERT OR IGNORE INTO request_attempts (request_id, attempt, owner_id, provider_id, credential_id, model_id, "
        "status, http_status, error_class, error_message, latency_ms, first_byte_ms, created_at) VALUES ";
    for (size_t j = i; j < attempts.size() && j < i + per_statement; ++j) {
      const AttemptRecord& a = attempts[j];
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

  Statement log;
  log.sql =
      "INSERT OR IGNORE INTO request_logs (id, owner_id, api_key_id, model_id, served_model, provider_id, credential_id, "
      "status, http_status, error_class, error_message, stream, input_tokens, output_tokens, cached_tokens, "
      "reasoning_tokens, base_cost_nusd, price_multiplier, effective_cost_nusd, list_cost_nusd, cost_source, "
      "usage_estimated, client_aborted, attempts, latency_ms, first_byte_ms, created_at, api, cache_write_tokens) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  log.params = Json::array({r.id, r.owner_id, nullable(r.api_key_id), r.model_id, nullable(r.served_model),
                            nullable(r.provider_id), nullable(r.credential_id), r.ok ? "ok" : "error", r.http_status,
                            nullable(r.error_class), nullable(clip(r.error_message)), r.stream ? 1 : 0,
                            billed ? r.usage.prompt_tokens : 0, billed ? r.usage.completion_tokens : 0,
                            billed ? r.usage.cached_tokens : 0, billed ? r.usage.reasoning_tokens : 0,
                            billed ? r.cost.base : 0, r.cost.multiplier, billed ? r.cost.effective : 0,
                            billed ? r.cost.list : 0,
                            billed ? Json(r.cost.upstream_reported ? "upstream" : "catalog") : Json(nullptr),
                            billed && r.usage.estimated ? 1 : 0, r.client_aborted ? 1 : 0,
                            static_cast<int64_t>(attempts.size()), r.latency_ms, nullable_ms(r.first_byte_ms),
                            r.created_at, r.api, billed ? r.usage.cache_write_tokens : 0});
  out.push_back(std::move(log));
  return out;
}

}  // namespace keyaos::billing
