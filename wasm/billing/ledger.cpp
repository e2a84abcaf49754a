#include "billing/ledger.h"

namespace keyaos::billing {
namespace {
Json nullable(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }
Json nullable_ms(int64_t v) { return v < 0 ? Json(nullptr) : Json(v); }
std::string clip(const std::string& s, size_t n = 500) { return s.size() <= n ? s : s.substr(0, n); }
constexpr size_t kAttemptColumns = 13;
constexpr size_t kMaxParams = 100;  // D1's limit per statement

// A request whose one attempt succeeded plainly (no note) keeps that attempt
// on its own row (attempt_offset_ms), which saves the attempt row and its
// key: D1 counts both as rows written. Only when every field of the attempt
// follows from the request's row, so the request_attempts view is exact.
bool folds(const RequestRecord& r, const std::vector<AttemptRecord>& attempts) {
  if (!r.ok || attempts.size() != 1) return false;
  const AttemptRecord& a = attempts[0];
  const int64_t offset = a.started_at - r.created_at;
  return a.ok && a.error_class.empty() && a.error_message.empty() && a.http_status == r.http_status &&
         a.provider_id == r.provider_id && a.credential_id == r.credential_id && a.model_id == r.model_id && offset >= 0 &&
         a.latency_ms == r.latency_ms - offset &&
         (a.first_byte_ms < 0 ? r.first_byte_ms < 0 : r.first_byte_ms >= 0 && a.first_byte_ms == r.first_byte_ms - offset);
}
}  // namespace

std::string request_id(int64_t started_ms, const std::string& nonce) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "req_";
  for (int shift = 44; shift >= 0; shift -= 4) out.push_back(kHex[(static_cast<uint64_t>(started_ms) >> shift) & 15]);
  return out + "-" + nonce;
}

bool request_id_start(const std::string& id, int64_t& started_ms) {
  if (id.size() < 17 || id.compare(0, 4, "req_") != 0 || id[16] != '-') return false;
  uint64_t v = 0;
  for (size_t i = 4; i < 16; ++i) {
    const char c = id[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  started_ms = static_cast<int64_t>(v);
  return true;
}

std::vector<Statement> ledger_statements(const RequestRecord& r, const std::vector<AttemptRecord>& attempts) {
  std::vector<Statement> out;
  const bool billed = r.ok;
  // The batch is one D1 transaction, and it may run twice (a write that
  // committed but whose answer was lost is retried). The balance updates come
  // first and act only while this request's log row does not exist yet; the
  // row is inserted last, so a replay finds it and changes nothing.
  // By the log table's whole key (owner, start, id): one lookup, one row read.
  const std::string unlogged = " AND NOT EXISTS (SELECT 1 FROM request_logs WHERE owner_id = ?5 AND created_at = ?6 AND id = ?4)";
  if (billed && !r.credential_id.empty()) {
    Statement q;
    // The quota never goes below zero; a zero quota takes the credential out of routing.
    q.sql =
        "UPDATE credentials SET quota_nusd = CASE WHEN quota_nusd IS NULL THEN NULL ELSE MAX(quota_nusd - ?1, 0) END, "
        "spent_nusd = spent_nusd + ?1, request_count = request_count + 1, updated_at = ?2 WHERE id = ?3" + unlogged;
    q.params = Json::array({r.cost.effective, r.created_at, r.credential_id, r.id, r.owner_id, r.created_at});
    out.push_back(std::move(q));
  }
  if (!r.api_key_id.empty()) {
    Statement k;
    k.sql = "UPDATE api_keys SET used_nusd = used_nusd + ?1, request_count = request_count + 1, last_used_at = ?2 WHERE id = ?3" + unlogged;
    k.params = Json::array({billed ? r.cost.effective : 0, r.created_at, r.api_key_id, r.id, r.owner_id, r.created_at});
    out.push_back(std::move(k));
    // The real cost replaces the estimate reserved at the start (if any).
    Statement release;
    release.sql = "DELETE FROM api_key_reservations WHERE request_id = ?";
    release.params = Json::array({r.id});
    out.push_back(std::move(release));
  }

  const bool folded = folds(r, attempts);
  const size_t per_statement = kMaxParams / kAttemptColumns;
  for (size_t i = 0; !folded && i < attempts.size(); i += per_statement) {
    Statement s;
    s.sql =
        "INSERT OR IGNORE INTO request_attempt_rows (request_id, attempt, owner_id, provider_id, credential_id, model_id, "
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
      "usage_estimated, client_aborted, attempts, latency_ms, first_byte_ms, created_at, api, cache_write_tokens, "
      "attempt_offset_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
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
                            r.created_at, r.api, billed ? r.usage.cache_write_tokens : 0,
                            folded ? Json(attempts[0].started_at - r.created_at) : Json(nullptr)});
  out.push_back(std::move(log));
  return out;
}

}  // namespace keyaos::billing
