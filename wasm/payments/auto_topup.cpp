#include "payments/auto_topup.h"

#include "payments/stripe_call.h"
#include "store/payments_store.h"

namespace keyaos::payments {

int64_t backoff_ms(int64_t failures) {
  if (failures <= 0) return 0;
  return failures == 1 ? kHourMs : 24 * kHourMs;
}

std::optional<int64_t> next_attempt_at(int64_t failures, std::optional<int64_t> last_attempt_at, bool paused) {
  if (paused || failures <= 0 || !last_attempt_at) return std::nullopt;
  return *last_attempt_at + backoff_ms(failures);
}

std::string pause_reason(const std::string& last_error) {
  return "Paused after " + std::to_string(kMaxFailures) + " failed charges in a row (last: " + last_error +
         "). Update the card with a checkout, then enable auto top-up again.";
}

namespace {

Action done() {
  Action a = done_action();
  return a;
}

class AutoTopupTask : public StripeTask {
 public:
  AutoTopupTask(Gateway& gw, std::string owner, std::string nonce, int64_t now)
      : StripeTask(gw), owner_(std::move(owner)), nonce_(std::move(nonce)), now_(now) {}

  Action start(const Event&) override {
    if (!gw_.config().platform.enabled || !gw_.config().stripe.secret_key_set || nonce_.size() < 16) return done();
    if (!owner_.empty()) {
      owners_.push_back(owner_);
      return next();
    }
    return run_sql({store::payments::auto_topup_due(now_, kSweepLimit)}, [this](const SqlResult& r) {
      if (!r.ok()) return done();
      for (const auto& row : r.at(0)) owners_.push_back(str_field(row, "owner_id"));
      return next();
    });
  }

 private:
  Action next() {
    if (index_ >= owners_.size()) return done();
    const std::string owner = owners_[index_];
    const std::string id = "pay_" + nonce_.substr(0, 24) + std::to_string(index_);
    ++index_;
    return run_sql({store::payments::auto_topup_claim(owner, id, now_), store::payments::auto_topup_start_payment(owner, id, now_)},
                   [this, owner, id](const SqlResult& r) {
      if (!r.ok() || r.at(0).empty()) return next();  // not due, or another task holds the claim
      const Json& claim = r.at(0)[0];
      const int64_t cents = int_field(claim, "amount_cents");
      Form form = {{"amount", std::to_string(cents)},
                   {"currency", "usd"},
                   {"customer", str_field(claim, "customer_id")},
                   {"payment_method", str_field(claim, "payment_method_id")},
                   {"off_session", "true"},
                   {"confirm", "true"},
                   {"description", "Keyaos credits (auto top-up)"},
                   {"metadata[type]", "auto_topup"},
                   {"metadata[payment_id]", id},
                   {"metadata[owner_id]", owner}};
      return stripe("POST", "/v1/payment_intents", form, id, [this, owner, id](const StripeReply& reply) {
        const std::string status = reply.ok() ? str_field(reply.body, "status") : "";
        std::vector<Statement> batch;
        if (status == "succeeded") {
          const int64_t stamp = now_;
          batch = {store::payments::complete_auto_topup(id, owner, stamp, str_field(reply.body, "id")),
                   store::payments::credit("auto_topup", id, owner, stamp), store::payments::auto_topup_succeeded(owner, id)};
        } else {
          std::string error;
          if (reply.ok()) error = "the charge ended as '" + status.substr(0, 40) + "'";
          else error = reply.message() + (reply.code().empty() ? "" : " (" + reply.code() + ")");
          batch = {store::payments::fail(id, owner, error), store::payments::auto_topup_failed(owner, id, error, pause_reason(error))};
        }
        // A failed write leaves the claim to expire (kClaimLifetimeMs) and
        // the payment pending; Stripe's event still credits a success.
        return run_sql(std::move(batch), [this](const SqlResult&) { return next(); });
      });
    });
  }

  std::string owner_;
  std::string nonce_;
  int64_t now_;
  std::vector<std::string> owners_;
  size_t index_ = 0;
};

}  // namespace

std::unique_ptr<Task> make_auto_topup_task(Gateway& gateway, const std::string& owner_id, const std::string& nonce, int64_t now_ms) {
  return std::make_unique<AutoTopupTask>(gateway, owner_id, nonce, now_ms);
}

}  // namespace keyaos::payments
