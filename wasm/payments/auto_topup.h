#pragma once
// Auto top-up: when a Platform wallet falls below the owner's threshold, the
// card a paid Checkout saved is charged off-session for the owner's amount.
//
// Design
// - Trigger. A request's ledger batch (its spend) is written by the host
//   after the response. The engine marks every answer whose background batch
//   debits a wallet (a `wallet.spend` statement) with
//   `follow_up: {type: "auto_topup", owner_id}` (core/engine.cpp); once that
//   batch is written, the host starts a new engine task with the event
//   `follow_up` (in ctx.waitUntil, through the same drive loop as the cron).
//   The cron (`scheduled`) also sweeps: at most kSweepLimit due owners per run
//   (each costs 2 D1 batches and 1 Stripe call; the catalogue sync after it
//   needs the rest of the 50 subrequests), so a wallet that fell below its
//   threshold while the follow-up was lost is still topped up.
// - The claim is the only gate. One `UPDATE auto_topup ... RETURNING` sets
//   claim_id only while the owner is due: enabled, not paused, balance (read
//   from wallets in the same statement) < threshold, a saved card, no live
//   claim (one older than kClaimLifetimeMs is dead: its task died), and the
//   backoff elapsed (backoff_ms). The same batch inserts the payment row
//   (pending, id = claim id) only if the claim was set. Two isolates, a cron
//   and a follow-up, or ten settling requests racing: D1 runs the batches one
//   at a time, one wins, the others' UPDATE matches nothing.
// - The charge: POST /v1/payment_intents (off_session, confirm) with
//   Idempotency-Key = the payment id, so a retried call never charges twice.
// - The outcome, one batch: `succeeded` completes the payment and inserts
//   the entry `auto_topup:<payment id>` (guarded by the completion stamp and
//   unique by id), resets the failures, clears the claim. Anything else
//   (a decline, an error, no answer, another status such as requires_action)
//   marks the payment failed with the reason, counts a failure, clears the
//   claim; at kMaxFailures the config stays enabled but paused_reason is set,
//   and nothing is tried until the owner enables it again (PUT).
// - A charge whose answer was lost may still have succeeded: Stripe's
//   `payment_intent.succeeded` (metadata[type]=auto_topup) completes the
//   payment (pending or failed) and credits it once, by the same entry id.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::payments {

inline constexpr int64_t kHourMs = 60LL * 60 * 1000;
inline constexpr int64_t kClaimLifetimeMs = 10LL * 60 * 1000;
inline constexpr int64_t kMaxFailures = 3;
inline constexpr int64_t kSweepLimit = 3;
inline constexpr int64_t kMinThresholdCents = 100;
inline constexpr int64_t kMinAmountCents = 500;
inline constexpr int64_t kMaxCents = 1'000'000;  // $10,000, Checkout's maximum too

// How long after the last attempt the next may start, by consecutive
// failures: 0 -> at once, 1 -> 1 h, 2 (or more) -> 24 h.
int64_t backoff_ms(int64_t consecutive_failures);
// When the next attempt may start; nullopt when it may start now (no
// failures) or never without the owner (paused).
std::optional<int64_t> next_attempt_at(int64_t consecutive_failures, std::optional<int64_t> last_attempt_at, bool paused);

// The reason shown once auto top-up pauses itself.
std::string pause_reason(const std::string& last_error);

// The claim+charge for one owner (the follow-up of a settlement), or the
// cron's sweep of due owners (`owner_id` empty). Ends with `done`. Payment
// ids come from the event's nonce (host randomness).
std::unique_ptr<Task> make_auto_topup_task(Gateway& gateway, const std::string& owner_id, const std::string& nonce, int64_t now_ms);

}  // namespace keyaos::payments
