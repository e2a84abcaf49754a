#include "store/payments_store.h"

#include "payments/auto_topup.h"
#include "payments/stripe.h"
#include "store/sql.h"

namespace keyaos::store::payments {
namespace {

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// An auto top-up row `a` that may be charged now (?N = now): enabled, not
// paused, no live claim, its backoff elapsed, the wallet below the threshold,
// and a saved card. Shared by the claim and the sweep, so they never disagree.
std::string due_condition(const std::string& now) {
  using namespace keyaos::payments;
  const std::string dead_claim = std::to_string(kClaimLifetimeMs);
  return "a.enabled = 1 AND a.paused_reason IS NULL AND (a.claim_id IS NULL OR a.claimed_at <= " + now + " - " + dead_claim +
         ") AND (a.consecutive_failures = 0 OR a.last_attempt_at IS NULL OR a.last_attempt_at <= " + now +
         " - (CASE WHEN a.consecutive_failures = 1 THEN " + std::to_string(backoff_ms(1)) + " ELSE " + std::to_string(backoff_ms(2)) +
         " END)) AND COALESCE((SELECT w.balance_nusd FROM wallets w WHERE w.owner_id = a.owner_id), 0) < a.threshold_cents * " +
         std::to_string(kNusdPerCent) +
         " AND EXISTS (SELECT 1 FROM stripe_customers c WHERE c.owner_id = a.owner_id AND c.payment_method_id IS NOT NULL)";
}

}  // namespace

Statement customer(const std::string& owner_id) {
  return statement("payments.customer", "SELECT customer_id, payment_method_id FROM stripe_customers WHERE owner_id = ?",
                   Json::array({owner_id}));
}

Statement save_customer(const std::string& owner_id, const std::string& customer_id, int64_t now_ms) {
  return statement("payments.save_customer",
                   "INSERT OR IGNORE INTO stripe_customers (owner_id, customer_id, created_at) VALUES (?, ?, ?)",
                   Json::array({owner_id, customer_id, now_ms}));
}

Statement save_payment_method(const std::string& owner_id, const std::string& customer_id, const std::string& payment_method_id) {
  return statement("payments.save_payment_method",
                   "UPDATE stripe_customers SET payment_method_id = ? WHERE owner_id = ? AND customer_id = ?",
                   Json::array({payment_method_id, owner_id, customer_id}));
}

Statement insert_pending(const std::string& id, const std::string& owner_id, const std::string& source, int64_t amount_cents,
                         int64_t now_ms) {
  return statement("payments.insert_pending",
                   "INSERT INTO payments (id, owner_id, source, status, amount_cents, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
                   Json::array({id, owner_id, source, amount_cents, now_ms}));
}

Statement set_session(const std::string& id, const std::string& owner_id, const std::string& session_id) {
  return statement("payments.set_session", "UPDATE payments SET stripe_session_id = ? WHERE id = ? AND owner_id = ?",
                   Json::array({session_id, id, owner_id}));
}

Statement fail(const std::string& id, const std::string& owner_id, const std::string& error) {
  return statement("payments.fail",
                   "UPDATE payments SET status = 'failed', error = ? WHERE id = ? AND owner_id = ? AND status = 'pending' RETURNING id",
                   Json::array({error, id, owner_id}));
}

Statement complete_checkout(const std::string& id, const std::string& owner_id, int64_t stamp, const std::string& payment_intent_id,
                            const std::string& session_id) {
  return statement("payments.complete_checkout",
                   "UPDATE payments SET status = 'completed', completed_at = ?3, error = NULL, stripe_payment_intent_id = "
                   "COALESCE(stripe_payment_intent_id, ?4), stripe_session_id = COALESCE(stripe_session_id, ?5) WHERE id = ?1 AND "
                   "owner_id = ?2 AND source = 'checkout' AND status IN ('pending', 'expired') RETURNING id",
                   Json::array({id, owner_id, stamp, text_or_null(payment_intent_id), text_or_null(session_id)}));
}

Statement complete_auto_topup(const std::string& id, const std::string& owner_id, int64_t stamp, const std::string& payment_intent_id) {
  return statement("payments.complete_auto_topup",
                   "UPDATE payments SET status = 'completed', completed_at = ?3, error = NULL, stripe_payment_intent_id = "
                   "COALESCE(stripe_payment_intent_id, ?4) WHERE id = ?1 AND owner_id = ?2 AND source = 'auto_topup' AND status "
                   "IN ('pending', 'failed') RETURNING id",
                   Json::array({id, owner_id, stamp, text_or_null(payment_intent_id)}));
}

Statement credit(const char* kind, const std::string& id, const std::string& owner_id, int64_t stamp) {
  return statement("payments.credit",
                   "INSERT OR IGNORE INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) SELECT ?1 || ':' || p.id, "
                   "p.owner_id, ?1, p.amount_cents * " + std::to_string(keyaos::payments::kNusdPerCent) +
                       ", ?4 FROM payments p WHERE p.id = ?2 AND p.owner_id = ?3 AND p.status = 'completed' AND p.completed_at = ?4 "
                       "RETURNING id",
                   Json::array({kind, id, owner_id, stamp}));
}

Statement expire(const std::string& id, const std::string& owner_id) {
  return statement("payments.expire",
                   "UPDATE payments SET status = 'expired' WHERE id = ? AND owner_id = ? AND source = 'checkout' AND status = "
                   "'pending' RETURNING id",
                   Json::array({id, owner_id}));
}

Statement cancel_pending(const std::string& owner_id) {
  return statement("payments.cancel_pending",
                   "UPDATE payments SET status = 'expired' WHERE owner_id = ? AND source = 'checkout' AND status = 'pending' "
                   "RETURNING id",
                   Json::array({owner_id}));
}

Statement list(const std::string& owner_id, const PagePosition& after, int64_t limit) {
  Statement s = statement("payments.list", "SELECT id, source, status, amount_cents, created_at, completed_at FROM payments WHERE owner_id = ?",
                          Json::array({owner_id}));
  append_newest_first_page(s, after, limit);
  return s;
}

Statement record_event(const std::string& event_id, const std::string& type, int64_t now_ms) {
  return statement("payments.record_event", "INSERT OR IGNORE INTO stripe_events (id, type, received_at) VALUES (?, ?, ?)",
                   Json::array({event_id, type, now_ms}));
}

Statement auto_topup_get(const std::string& owner_id) {
  return statement("auto_topup.get",
                   "SELECT enabled, threshold_cents, amount_cents, consecutive_failures, paused_reason, last_error, "
                   "last_attempt_at FROM auto_topup WHERE owner_id = ?",
                   Json::array({owner_id}));
}

Statement auto_topup_put(const std::string& owner_id, bool enabled, int64_t threshold_cents, int64_t amount_cents, int64_t now_ms) {
  return statement("auto_topup.put",
                   "INSERT INTO auto_topup (owner_id, enabled, threshold_cents, amount_cents, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                   "ON CONFLICT (owner_id) DO UPDATE SET enabled = ?2, threshold_cents = ?3, amount_cents = ?4, updated_at = ?5, "
                   "consecutive_failures = CASE WHEN ?2 = 1 THEN 0 ELSE consecutive_failures END, "
                   "paused_reason = CASE WHEN ?2 = 1 THEN NULL ELSE paused_reason END, "
                   "last_error = CASE WHEN ?2 = 1 THEN NULL ELSE last_error END",
                   Json::array({owner_id, enabled ? 1 : 0, threshold_cents, amount_cents, now_ms}));
}

Statement auto_topup_claim(const std::string& owner_id, const std::string& claim_id, int64_t now_ms) {
  return statement("auto_topup.claim",
                   "UPDATE auto_topup AS a SET claim_id = ?2, claimed_at = ?3, last_attempt_at = ?3 WHERE a.owner_id = ?1 AND " +
                       due_condition("?3") +
                       " RETURNING amount_cents, (SELECT customer_id FROM stripe_customers WHERE owner_id = ?1) AS customer_id, "
                       "(SELECT payment_method_id FROM stripe_customers WHERE owner_id = ?1) AS payment_method_id",
                   Json::array({owner_id, claim_id, now_ms}));
}

Statement auto_topup_start_payment(const std::string& owner_id, const std::string& claim_id, int64_t now_ms) {
  return statement("auto_topup.start_payment",
                   "INSERT INTO payments (id, owner_id, source, status, amount_cents, created_at) SELECT ?2, owner_id, "
                   "'auto_topup', 'pending', amount_cents, ?3 FROM auto_topup WHERE owner_id = ?1 AND claim_id = ?2",
                   Json::array({owner_id, claim_id, now_ms}));
}

Statement auto_topup_succeeded(const std::string& owner_id, const std::string& claim_id) {
  return statement("auto_topup.succeeded",
                   "UPDATE auto_topup SET consecutive_failures = 0, last_error = NULL, claim_id = NULL, claimed_at = NULL "
                   "WHERE owner_id = ? AND claim_id = ?",
                   Json::array({owner_id, claim_id}));
}

Statement auto_topup_failed(const std::string& owner_id, const std::string& claim_id, const std::string& error,
                            const std::string& pause_reason) {
  return statement("auto_topup.failed",
                   "UPDATE auto_topup SET consecutive_failures = consecutive_failures + 1, last_error = ?3, claim_id = NULL, "
                   "claimed_at = NULL, paused_reason = CASE WHEN consecutive_failures + 1 >= " +
                       std::to_string(keyaos::payments::kMaxFailures) +
                       " THEN ?4 ELSE paused_reason END WHERE owner_id = ?1 AND claim_id = ?2",
                   Json::array({owner_id, claim_id, error, pause_reason}));
}

Statement auto_topup_reconciled(const std::string& owner_id, const std::string& payment_id, int64_t stamp) {
  return statement("auto_topup.reconciled",
                   "UPDATE auto_topup SET consecutive_failures = 0, last_error = NULL WHERE owner_id = ?1 AND EXISTS (SELECT 1 "
                   "FROM payments WHERE id = ?2 AND owner_id = ?1 AND status = 'completed' AND completed_at = ?3)",
                   Json::array({owner_id, payment_id, stamp}));
}

Statement auto_topup_due(int64_t now_ms, int64_t limit) {
  return statement("auto_topup.due",
                   "SELECT a.owner_id FROM auto_topup a WHERE " + due_condition("?1") + " ORDER BY a.last_attempt_at LIMIT ?2",
                   Json::array({now_ms, limit}));
}

}  // namespace keyaos::store::payments
