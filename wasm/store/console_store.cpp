#include "store/console_store.h"

namespace keyaos::store::console {
namespace {

const char* kAdjustmentColumns = "SELECT id, owner_id, amount_cents, reason, created_by, idempotency_key, created_at FROM credit_adjustments";

// Every owner with a request row, one index seek each (a loose index scan
// over the log table's key), for the statements that need all owners' rows
// in a time window without an index on created_at.
const char* kLoggedOwners =
    "WITH RECURSIVE owners(id) AS (SELECT (SELECT MIN(owner_id) FROM request_logs) UNION ALL SELECT (SELECT MIN(owner_id) FROM "
    "request_logs WHERE owner_id > owners.id) FROM owners WHERE owners.id IS NOT NULL) ";

}  // namespace

Statement insert_adjustment(const Adjustment& a) {
  return statement("console.insert_adjustment",
                   "INSERT INTO credit_adjustments (id, owner_id, amount_cents, reason, created_by, idempotency_key, created_at) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   Json::array({a.id, a.owner_id, a.amount_cents, a.reason, a.created_by,
                                a.idempotency_key.empty() ? Json(nullptr) : Json(a.idempotency_key), a.created_at}));
}

Statement apply_adjustment(const std::string& id) {
  return statement("console.apply_adjustment",
                   "INSERT OR IGNORE INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) SELECT (CASE WHEN amount_cents > 0 "
                   "THEN 'grant:' ELSE 'revoke:' END) || id, owner_id, CASE WHEN amount_cents > 0 THEN 'grant' ELSE 'revoke' END, "
                   "amount_cents * 10000000, created_at FROM credit_adjustments WHERE id = ?",
                   Json::array({id}));
}

Statement find_adjustment(const std::string& id, const std::string& key) {
  if (key.empty()) return statement("console.find_adjustment", std::string(kAdjustmentColumns) + " WHERE id = ?", Json::array({id}));
  return statement("console.find_adjustment", std::string(kAdjustmentColumns) + " WHERE idempotency_key = ?", Json::array({key}));
}

Statement list_adjustments(const PagePosition& after, int64_t limit) {
  Statement s = statement("console.list_adjustments", std::string(kAdjustmentColumns) + " WHERE 1 = 1");
  append_newest_first_page(s, after, limit);
  return s;
}

Statement ledger_totals() {
  return statement("console.ledger_totals",
                   "SELECT COALESCE(SUM(CASE WHEN kind IN ('topup', 'auto_topup') THEN amount_nusd END), 0) AS revenue_nusd, "
                   "COALESCE(-SUM(CASE WHEN kind = 'spend' THEN amount_nusd END), 0) AS consumption_nusd, "
                   "COALESCE(SUM(CASE WHEN kind = 'earn' THEN amount_nusd END), 0) AS earned_nusd FROM wallet_entries");
}

Statement request_count() { return statement("console.request_count", "SELECT COUNT(*) AS n FROM request_logs"); }

Statement wallet_count() { return statement("console.wallet_count", "SELECT COUNT(*) AS n FROM wallets"); }

Statement active_owners(int64_t since_ms) {
  return statement("console.active_owners",
                   std::string(kLoggedOwners) +
                       "SELECT COUNT(*) AS n FROM owners o WHERE o.id IS NOT NULL AND EXISTS (SELECT 1 FROM request_logs r WHERE "
                       "r.owner_id = o.id AND r.created_at >= ?)",
                   Json::array({since_ms}));
}

Statement users(const std::optional<std::string>& after_owner, int64_t limit) {
  Statement s = statement(
      "console.users",
      "SELECT w.owner_id, w.balance_nusd, (SELECT COALESCE(SUM(e.amount_nusd), 0) FROM wallet_entries e WHERE e.owner_id = w.owner_id "
      "AND e.kind IN ('topup', 'auto_topup', 'gift_card')) AS topped_up_nusd, (SELECT COALESCE(-SUM(e.amount_nusd), 0) FROM "
      "wallet_entries e WHERE e.owner_id = w.owner_id AND e.kind = 'spend') AS spent_nusd, (SELECT COALESCE(SUM(e.amount_nusd), 0) "
      "FROM wallet_entries e WHERE e.owner_id = w.owner_id AND e.kind = 'earn') AS earned_nusd, (SELECT COUNT(*) FROM credentials c "
      "WHERE c.owner_id = w.owner_id) AS credentials FROM wallets w");
  if (after_owner) {
    s.sql += " WHERE w.owner_id > ?";
    s.params.push_back(*after_owner);
  }
  s.sql += " ORDER BY w.owner_id LIMIT ?";
  s.params.push_back(limit);
  return s;
}

Statement activity(int64_t since_ms, int64_t bucket_ms) {
  return statement("console.activity",
                   std::string(kLoggedOwners) +
                       "SELECT (r.created_at / CAST(?2 AS INTEGER)) * CAST(?2 AS INTEGER) AS t, COUNT(*) AS requests, "
                       "COALESCE(SUM(r.input_tokens + r.output_tokens), 0) AS tokens, COALESCE(SUM(r.consumer_charged_nusd), 0) AS "
                       "charged_nusd FROM owners o JOIN request_logs r ON r.owner_id = o.id AND r.created_at >= ?1 WHERE o.id IS NOT "
                       "NULL GROUP BY t ORDER BY t",
                   Json::array({since_ms, bucket_ms}));
}

}  // namespace keyaos::store::console
