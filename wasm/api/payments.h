#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

// Buying credits with Stripe (Platform mode; the router answers 404 in Core).
namespace keyaos::api {

// POST /api/credits/checkout {amount_cents 100..1000000} -> {url, payment_id}:
// a Stripe Checkout Session for the caller's pending payment.
std::unique_ptr<Task> make_checkout_task(Gateway& gateway, HttpRequest request, Caller caller);
// GET /api/credits/deposits?limit&cursor: the caller's payments, newest first.
std::unique_ptr<Task> make_deposits_task(Gateway& gateway, HttpRequest request, Caller caller);
// POST /api/credits/cancel-pending -> {canceled}: pending Checkout payments
// become expired (one still paid later is credited all the same).
std::unique_ptr<Task> make_cancel_pending_task(Gateway& gateway, HttpRequest request, Caller caller);
// GET|PUT /api/credits/auto-topup.
std::unique_ptr<Task> make_auto_topup_settings_task(Gateway& gateway, HttpRequest request, Caller caller);
// POST /api/webhooks/stripe: public, verified by its Stripe-Signature; reads
// its own body (at most kMaxWebhookBytes).
std::unique_ptr<Task> make_stripe_webhook_task(Gateway& gateway, HttpRequest request);

inline constexpr int64_t kMaxWebhookBytes = 256 * 1024;

}  // namespace keyaos::api
