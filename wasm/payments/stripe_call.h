#pragma once
// One call to Stripe's API as host actions: a `fetch` carrying
// secret_ref "stripe" (the host adds `Authorization: Bearer <STRIPE_SECRET_KEY>`;
// the engine never holds the key), a form-encoded body, then the JSON answer
// read whole.
#include <functional>
#include <string>

#include "core/gateway.h"
#include "core/task.h"
#include "payments/stripe.h"

namespace keyaos::payments {

struct StripeReply {
  int status = 0;          // 0: no answer (network error, timeout, unreadable body)
  Json body;               // the parsed JSON, or null
  std::string raw;         // the body as read
  std::string failure;     // why there is no answer (status 0)
  bool ok() const { return status >= 200 && status < 300 && body.is_object(); }
  // Stripe's own message for an error (redacted of anything key-like).
  std::string message() const { return status == 0 ? "Stripe could not be reached: " + failure : stripe_error_message(status, raw); }
  std::string code() const { return stripe_error_code(raw); }
};

// How long Stripe may take to send headers, and then the body.
inline constexpr int64_t kStripeTimeoutMs = 20000;
inline constexpr int64_t kMaxStripeReplyBytes = 256 * 1024;

class StripeTask : public Task {
 protected:
  explicit StripeTask(Gateway& gw) : gw_(gw) {}
  // `method` GET or POST; `path` like "/v1/customers"; an empty
  // idempotency key sends none.
  Action stripe(const std::string& method, const std::string& path, const Form& form, const std::string& idempotency_key,
                std::function<Action(const StripeReply&)> k);
  Gateway& gw_;
};

}  // namespace keyaos::payments
