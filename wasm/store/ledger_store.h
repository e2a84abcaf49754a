#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "billing/ledger.h"
#include "core/io.h"

// What requests leave behind: `request_logs`, `request_attempt_rows`, the
// balances a billed request moves (credential quota and spend, API key
// usage) and the API keys' quota reservations.
namespace keyaos::store::ledger {

// ---- the ledger batch (billing/ledger.h composes it) -------------------------
// The balance updates act only while the request's log row is absent (looked
// up by the log table's whole key), so the batch can run again safely.
Statement charge_credential(const billing::RequestRecord& request);
Statement charge_api_key(const billing::RequestRecord& request, int64_t cost_nusd);
// The real cost replaces the estimate reserved at the start (if any).
Statement release_reservation(const std::string& request_id);
// The attempts, in statements of at most 100 parameters (D1's limit).
std::vector<Statement> insert_attempts(const billing::RequestRecord& request, const std::vector<billing::AttemptRecord>& attempts);
// The log row. `attempt_offset_ms`: the lone plain attempt folded onto it, if so.
Statement insert_log(const billing::RequestRecord& request, int64_t attempt_count, std::optional<int64_t> attempt_offset_ms);

// ---- quota reservations ---------------------------------------------------------
// Reservations older than `before_ms` belong to requests that never settled.
Statement expire_reservations(const std::string& api_key_id, int64_t before_ms);
// Reserves `amount_nusd` for a request only if the key's spend, its requests
// in flight and this amount fit its quota, in one atomic statement; returns
// the request id when it did.
Statement reserve(const std::string& owner_id, const std::string& api_key_id, const std::string& request_id,
                  int64_t amount_nusd, int64_t now_ms);

// ---- reading the logs --------------------------------------------------------------
struct LogQuery {
  // After this (created_at, id) in newest-first order, else before created_at.
  std::optional<std::pair<int64_t, std::string>> after;
  std::optional<int64_t> before_ms;
  // Equality filters; empty: any.
  std::string model_id, provider_id, status, api_key_id;
  std::optional<int64_t> since_ms;
  int64_t limit = 50;
  // Platform mode: also the requests other owners made on this owner's
  // credentials (through the partial index on credential_owner_id).
  bool with_earned = false;
};
Statement list_logs(const std::string& owner_id, const LogQuery& query);
// One log row; `started_ms` (from the request id) finds it through the table's key.
Statement get_log(const std::string& owner_id, const std::string& id, std::optional<int64_t> started_ms);
// `own_credentials_only`: another owner's credential id reads NULL (a shared-pool consumer's view).
Statement attempts(const std::string& owner_id, const std::string& request_id, bool own_credentials_only = false);

enum class UsageGroup { total, day, model, provider };
// Request counts, tokens and costs since `since_ms`, grouped by `k`.
Statement usage(const std::string& owner_id, int64_t since_ms, UsageGroup group);

}  // namespace keyaos::store::ledger
