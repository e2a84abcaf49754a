#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/io.h"
#include "store/sql.h"

// Platform mode's operator console: credit adjustments (grants and revokes)
// and the figures across every owner. Only the operator's routes run these,
// so they read every owner's rows by design; each adjustment names its owner.
namespace keyaos::store::console {

// ---- adjustments -------------------------------------------------------------------
struct Adjustment {
  std::string id;
  std::string owner_id;
  int64_t amount_cents = 0;  // > 0 a grant, < 0 a revoke
  std::string reason;
  std::string created_by;
  std::string idempotency_key;  // empty: none
  int64_t created_at = 0;
};
// The adjustment, unless its idempotency key is taken (then nothing).
Statement insert_adjustment(const Adjustment& a);
// Its entry grant:<id> / revoke:<id>, only when that adjustment row exists
// (the insert above won): a retry under a used key moves nothing.
Statement apply_adjustment(const std::string& adjustment_id);
// The adjustment now stored under the key (or, without one, by id).
Statement find_adjustment(const std::string& adjustment_id, const std::string& idempotency_key);
Statement list_adjustments(const PagePosition& after, int64_t limit);

// ---- figures -------------------------------------------------------------------------
// revenue_nusd (top-ups), consumption_nusd (-spend), earned_nusd, from the ledger.
Statement ledger_totals();
Statement request_count();
Statement wallet_count();
// Owners with a request since `since_ms`, found owner by owner through the
// log table's key (owner_id, created_at, id), so no index is needed.
Statement active_owners(int64_t since_ms);
// Wallets by owner id, with what each topped up, spent and earned, and how
// many credentials it owns.
Statement users(const std::optional<std::string>& after_owner, int64_t limit);
// Requests since `since_ms` in buckets of `bucket_ms`: {t, requests, tokens, charged_nusd}.
Statement activity(int64_t since_ms, int64_t bucket_ms);

}  // namespace keyaos::store::console
