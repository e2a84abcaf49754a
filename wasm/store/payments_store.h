#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/io.h"
#include "store/sql.h"

// Platform mode's payments (migrations/0009_payments.sql): Stripe customers,
// our payment rows, the events received, and auto top-up's settings and
// claim. Money reaches a wallet only through credit() below, whose entry id
// ('topup:<payment id>' / 'auto_topup:<payment id>') is unique per payment.
namespace keyaos::store::payments {

// ---- customers ------------------------------------------------------------------
Statement customer(const std::string& owner_id);  // customer_id, payment_method_id
// The first stored customer of an owner wins; a later one is ignored.
Statement save_customer(const std::string& owner_id, const std::string& customer_id, int64_t now_ms);
// Only on the owner's own customer.
Statement save_payment_method(const std::string& owner_id, const std::string& customer_id, const std::string& payment_method_id);

// ---- payments -------------------------------------------------------------------
Statement insert_pending(const std::string& id, const std::string& owner_id, const std::string& source, int64_t amount_cents,
                         int64_t now_ms);
Statement set_session(const std::string& id, const std::string& owner_id, const std::string& session_id);
// pending -> failed with the reason; RETURNING id.
Statement fail(const std::string& id, const std::string& owner_id, const std::string& error);
// A Checkout payment: pending|expired -> completed at `stamp`; RETURNING id.
Statement complete_checkout(const std::string& id, const std::string& owner_id, int64_t stamp, const std::string& payment_intent_id,
                            const std::string& session_id);
// An auto top-up: pending|failed -> completed at `stamp` (a charge whose
// direct answer was lost is marked failed, and Stripe's event corrects it).
Statement complete_auto_topup(const std::string& id, const std::string& owner_id, int64_t stamp, const std::string& payment_intent_id);
// The wallet entry `<kind>:<id>` for the payment's amount (from our row),
// only when the payment was completed at exactly `stamp`, i.e. by the
// statement before it in the same batch; RETURNING id.
Statement credit(const char* kind, const std::string& id, const std::string& owner_id, int64_t stamp);
// A Checkout payment: pending -> expired; RETURNING id.
Statement expire(const std::string& id, const std::string& owner_id);
// Every pending Checkout payment of the owner -> expired; RETURNING id.
Statement cancel_pending(const std::string& owner_id);
// A page in (created_at DESC, id DESC) order after the cursor.
Statement list(const std::string& owner_id, const PagePosition& after, int64_t limit);

Statement record_event(const std::string& event_id, const std::string& type, int64_t now_ms);

// ---- auto top-up ------------------------------------------------------------------
Statement auto_topup_get(const std::string& owner_id);
// Saves the settings; enabling clears the pause, the failures and the last error.
Statement auto_topup_put(const std::string& owner_id, bool enabled, int64_t threshold_cents, int64_t amount_cents, int64_t now_ms);
// The one gate to a charge (see payments/auto_topup.h): sets the claim only
// while the owner is due; RETURNING amount_cents, customer_id, payment_method_id.
Statement auto_topup_claim(const std::string& owner_id, const std::string& claim_id, int64_t now_ms);
// The claim's payment row, pending, for the configured amount.
Statement auto_topup_start_payment(const std::string& owner_id, const std::string& claim_id, int64_t now_ms);
// Ends the claim: success resets the failures; failure counts one and, at
// kMaxFailures, pauses with `pause_reason`.
Statement auto_topup_succeeded(const std::string& owner_id, const std::string& claim_id);
Statement auto_topup_failed(const std::string& owner_id, const std::string& claim_id, const std::string& error,
                            const std::string& pause_reason);
// After Stripe's event completed an auto top-up marked failed: the failure is undone.
Statement auto_topup_reconciled(const std::string& owner_id, const std::string& payment_id, int64_t stamp);
// Owners due for a charge now, across owners (the cron's sweep); owner_id.
Statement auto_topup_due(int64_t now_ms, int64_t limit);

}  // namespace keyaos::store::payments
