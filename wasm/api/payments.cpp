#include "api/payments.h"

#include "api/page.h"
#include "billing/cost.h"
#include "core/json_depth.h"
#include "payments/auto_topup.h"
#include "payments/stripe.h"
#include "payments/stripe_call.h"
#include "store/payments_store.h"

namespace keyaos::api {
namespace {

using payments::Form;
using payments::kNusdPerCent;
using payments::StripeReply;

constexpr int64_t kMinCheckoutCents = 100;
constexpr int64_t kCheckoutLifetimeMs = 31LL * 60 * 1000;  // Stripe accepts 30 min..24 h; a minute of slack for clocks
constexpr int64_t kDefaultThresholdCents = 500;
constexpr int64_t kDefaultTopupCents = 2000;

Action database_unavailable(const SqlResult& r) { return error_response(ApiError::internal("The gateway database is unavailable: " + r.error)); }

ApiError not_configured() {
  return {503, "Payments are not configured on this gateway (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must both be set).",
          "server_error", "payments_not_configured", {}};
}

ApiError stripe_failed(const StripeReply& reply) {
  return {502, "Stripe refused the request: " + reply.message(), "upstream_error", "stripe_error", {}};
}

Json money(int64_t cents) {
  return {{"amount_usd", billing::nano_to_usd(cents * kNusdPerCent)}, {"amount_nusd", cents * kNusdPerCent}, {"amount_cents", cents}};
}

Json int_or_null(const Json& row, const char* key) {
  const Json* v = field(row, key);
  return v && v->is_number() ? Json(int_field(row, key)) : Json(nullptr);
}

// A JSON integer in [min, max], else the refusal.
std::optional<ApiError> cents_field(const Json& body, const char* key, int64_t min, int64_t max, int64_t& out,
                                    const char* below_code = "invalid_amount") {
  const Json* v = field(body, key);
  if (!v || !v->is_number_integer())
    return ApiError::bad_request(std::string("'") + key + "' must be an integer number of cents.", "invalid_amount", key);
  const int64_t n = v->get<int64_t>();
  if (n < min) return ApiError::bad_request(std::string("'") + key + "' must be at least " + std::to_string(min) + " cents.", below_code, key);
  if (n > max) return ApiError::bad_request(std::string("'") + key + "' must be at most " + std::to_string(max) + " cents.", "invalid_amount", key);
  out = n;
  return std::nullopt;
}

std::optional<ApiError> json_object_body(const std::string& text, Json& out) {
  out = parse_json(text);
  if (!out.is_object()) return ApiError::bad_request("The request body must be a JSON object.", "invalid_json");
  return std::nullopt;
}

std::string origin_of(const HttpRequest& req) {
  if (!req.origin.empty()) return req.origin;
  const std::string host = str_field(req.headers, "host");
  return host.empty() ? std::string() : "https://" + host;
}

// ---- POST /api/credits/checkout ----------------------------------------------------
class CheckoutTask : public payments::StripeTask {
 public:
  CheckoutTask(Gateway& gw, HttpRequest req, Caller caller) : StripeTask(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    if (!gw_.config().stripe.payments_ready()) return error_response(not_configured());
    Json body;
    if (auto e = json_object_body(req_.body, body)) return error_response(*e);
    if (auto e = cents_field(body, "amount_cents", kMinCheckoutCents, payments::kMaxCents, cents_, "checkout_min_amount"))
      return error_response(*e);
    origin_ = origin_of(req_);
    if (origin_.empty()) return error_response(ApiError::bad_request("The request names no host to return to.", "invalid_request"));
    Action a = crypto_action(Json::array({{{"op", "random"}, {"bytes", 12}}}));
    return then(std::move(a), [this](const Event& ev) {
      const Json* values = field(ev.head, "values");
      const std::string hex = values && values->is_array() && !values->empty() ? str_field((*values)[0], "hex") : "";
      if (hex.size() < 16) return error_response(ApiError::internal("No randomness for the payment id."));
      id_ = "pay_" + hex;
      // The pending row first: whatever fails later, no money state is wrong
      // (a pending payment credits nothing until Stripe says it is paid).
      return run_sql({store::payments::insert_pending(id_, caller_.owner_id, "checkout", cents_, req_.now_ms),
                      store::payments::customer(caller_.owner_id)},
                     [this](const SqlResult& r) {
        if (!r.ok()) return database_unavailable(r);
        if (!r.at(1).empty()) return session(str_field(r.at(1)[0], "customer_id"));
        return create_customer();
      });
    });
  }

 private:
  // Once per owner; the idempotency key is the owner's, so first checkouts
  // racing in two isolates get the same customer from Stripe.
  Action create_customer() {
    Form form = {{"metadata[owner_id]", caller_.owner_id}, {"description", "Keyaos account " + caller_.user_id}};
    return stripe("POST", "/v1/customers", form, "keyaos-customer-" + caller_.owner_id, [this](const StripeReply& reply) {
      const std::string customer = reply.ok() ? str_field(reply.body, "id") : "";
      if (customer.empty()) return failed(reply);
      return run_sql({store::payments::save_customer(caller_.owner_id, customer, req_.now_ms), store::payments::customer(caller_.owner_id)},
                     [this](const SqlResult& r) {
        if (!r.ok()) return database_unavailable(r);
        if (r.at(1).empty()) return error_response(ApiError::internal("The Stripe customer could not be stored."));
        return session(str_field(r.at(1)[0], "customer_id"));
      });
    });
  }

  Action session(const std::string& customer) {
    const int64_t expires_at = (req_.now_ms + kCheckoutLifetimeMs) / 1000;
    Form form = {{"mode", "payment"},
                 {"customer", customer},
                 {"payment_intent_data[setup_future_usage]", "off_session"},
                 {"line_items[0][price_data][currency]", "usd"},
                 {"line_items[0][price_data][product_data][name]", "Keyaos credits"},
                 {"line_items[0][price_data][unit_amount]", std::to_string(cents_)},
                 {"line_items[0][quantity]", "1"},
                 {"expires_at", std::to_string(expires_at)},
                 {"client_reference_id", id_},
                 {"metadata[payment_id]", id_},
                 {"metadata[owner_id]", caller_.owner_id},
                 {"success_url", origin_ + "/#/credits?checkout=success"},
                 {"cancel_url", origin_ + "/#/credits?checkout=canceled"}};
    return stripe("POST", "/v1/checkout/sessions", form, "keyaos-checkout-" + id_, [this](const StripeReply& reply) {
      const std::string session_id = reply.ok() ? str_field(reply.body, "id") : "";
      const std::string url = reply.ok() ? str_field(reply.body, "url") : "";
      if (session_id.empty() || url.empty()) return failed(reply);
      return run_sql({store::payments::set_session(id_, caller_.owner_id, session_id)}, [this, url](const SqlResult& r) {
        if (!r.ok()) return database_unavailable(r);
        return json_response(200, {{"url", url}, {"payment_id", id_}});
      });
    });
  }

  Action failed(const StripeReply& reply) {
    ApiError e = reply.ok() ? ApiError{502, "Stripe's answer had no id.", "upstream_error", "stripe_error", {}} : stripe_failed(reply);
    return run_sql({store::payments::fail(id_, caller_.owner_id, e.message)}, [e](const SqlResult&) { return error_response(e); });
  }

  HttpRequest req_;
  Caller caller_;
  int64_t cents_ = 0;
  std::string origin_;
  std::string id_;
};

// ---- GET /api/credits/deposits -----------------------------------------------------
struct DepositsTask : Task {
  HttpRequest req;
  Caller caller;
  DepositsTask(HttpRequest r, Caller c) : req(std::move(r)), caller(std::move(c)) {}

  Action start(const Event&) override {
    PageQuery page;
    if (auto e = page_query(req, page)) return error_response(*e);
    store::PagePosition after;
    if (page.after) after = std::pair{page.after->created_at, page.after->id};
    return run_sql({store::payments::list(caller.owner_id, after, page.limit + 1)}, [limit = page.limit](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return json_response(200, page_json(r.at(0), limit, [](const Json& row) {
        Json item = {{"id", str_field(row, "id")}, {"source", str_field(row, "source")}, {"status", str_field(row, "status")}};
        item.update(money(int_field(row, "amount_cents")));
        item["created_at"] = int_field(row, "created_at");
        item["completed_at"] = int_or_null(row, "completed_at");
        return item;
      }));
    });
  }
};

// ---- POST /api/credits/cancel-pending ----------------------------------------------
struct CancelPendingTask : Task {
  Caller caller;
  explicit CancelPendingTask(Caller c) : caller(std::move(c)) {}
  Action start(const Event&) override {
    return run_sql({store::payments::cancel_pending(caller.owner_id)}, [](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return json_response(200, {{"canceled", static_cast<int64_t>(r.at(0).size())}});
    });
  }
};

// ---- GET|PUT /api/credits/auto-topup ---------------------------------------------
struct AutoTopupSettingsTask : Task {
  HttpRequest req;
  Caller caller;
  AutoTopupSettingsTask(HttpRequest r, Caller c) : req(std::move(r)), caller(std::move(c)) {}

  std::vector<Statement> reads() const {
    return {store::payments::auto_topup_get(caller.owner_id), store::payments::customer(caller.owner_id)};
  }

  static bool has_card(const SqlResult& r) { return !r.at(1).empty() && !str_field(r.at(1)[0], "payment_method_id").empty(); }

  static Action shape(const SqlResult& r) {
    const bool found = !r.at(0).empty();
    const Json row = found ? r.at(0)[0] : Json::object();
    const int64_t failures = int_field(row, "consecutive_failures");
    const std::string paused = str_field(row, "paused_reason");
    std::optional<int64_t> last;
    if (const Json* v = field(row, "last_attempt_at"); v && v->is_number()) last = int_field(row, "last_attempt_at");
    const auto next = payments::next_attempt_at(failures, last, !paused.empty());
    return json_response(200, {{"enabled", found && int_field(row, "enabled") != 0},
                               {"threshold_cents", found ? int_field(row, "threshold_cents") : kDefaultThresholdCents},
                               {"amount_cents", found ? int_field(row, "amount_cents") : kDefaultTopupCents},
                               {"has_payment_method", has_card(r)},
                               {"consecutive_failures", failures},
                               {"paused_reason", paused.empty() ? Json(nullptr) : Json(paused)},
                               {"next_attempt_at", next ? Json(*next) : Json(nullptr)},
                               {"last_error", str_field(row, "last_error").empty() ? Json(nullptr) : Json(str_field(row, "last_error"))}});
  }

  Action start(const Event&) override {
    if (req.method == "GET") return run_sql(reads(), [](const SqlResult& r) { return r.ok() ? shape(r) : database_unavailable(r); });
    if (req.method != "PUT") return error_response(ApiError::method_not_allowed("Use GET or PUT /api/credits/auto-topup."));
    Json body;
    if (auto e = json_object_body(req.body, body)) return error_response(*e);
    const Json* enabled = field(body, "enabled");
    if (!enabled || !enabled->is_boolean()) return error_response(ApiError::bad_request("'enabled' must be true or false.", "invalid_request", "enabled"));
    return run_sql(reads(), [this, body, on = enabled->get<bool>()](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      // Fields left out keep their current (or default) values.
      const Json current = r.at(0).empty() ? Json::object() : r.at(0)[0];
      int64_t threshold = int_field(current, "threshold_cents", kDefaultThresholdCents);
      int64_t amount = int_field(current, "amount_cents", kDefaultTopupCents);
      if (field(body, "threshold_cents"))
        if (auto e = cents_field(body, "threshold_cents", payments::kMinThresholdCents, payments::kMaxCents, threshold)) return error_response(*e);
      if (field(body, "amount_cents"))
        if (auto e = cents_field(body, "amount_cents", payments::kMinAmountCents, payments::kMaxCents, amount)) return error_response(*e);
      if (on && !has_card(r))
        return error_response(ApiError::bad_request("Auto top-up needs a saved card: buy credits once with a checkout first.",
                                                    "no_payment_method", "enabled"));
      std::vector<Statement> batch = {store::payments::auto_topup_put(caller.owner_id, on, threshold, amount, req.now_ms)};
      for (auto& s : reads()) batch.push_back(std::move(s));
      return run_sql(std::move(batch), [](const SqlResult& w) {
        if (!w.ok()) return database_unavailable(w);
        SqlResult view;
        view.rows = {w.at(1), w.at(2)};
        return shape(view);
      });
    });
  }
};

// ---- POST /api/webhooks/stripe ------------------------------------------------------
class StripeWebhookTask : public payments::StripeTask {
 public:
  StripeWebhookTask(Gateway& gw, HttpRequest req) : StripeTask(gw), req_(std::move(req)) {}

  Action start(const Event&) override {
    if (!gw_.config().stripe.webhook_secret_set)
      return error_response({503, "Stripe webhooks are not configured on this gateway (STRIPE_WEBHOOK_SECRET is not set).",
                             "server_error", "payments_not_configured", {}});
    if (!req_.body_pending) return verify();
    Action a = read_request_body_action(kMaxWebhookBytes);
    return then(std::move(a), [this](const Event& ev) {
      if (ev.type != EventType::request_body) return error_response(ApiError::internal("The request body could not be read."));
      if (bool_field(ev.head, "too_large"))
        return error_response({413, "A webhook body is at most " + std::to_string(kMaxWebhookBytes) + " bytes.", "invalid_request_error",
                               "request_too_large", {}});
      req_.body = ev.payload;
      req_.body_pending = false;
      return verify();
    });
  }

 private:
  static Action refused(payments::SignatureVerdict v) {
    return error_response(ApiError::bad_request(payments::verdict_message(v), "invalid_signature"));
  }

  Action verify() {
    if (req_.body.size() > static_cast<size_t>(kMaxWebhookBytes))
      return error_response({413, "A webhook body is at most 256 KB.", "invalid_request_error", "request_too_large", {}});
    payments::SignatureHeader header;
    if (!payments::parse_signature_header(str_field(req_.headers, "stripe-signature"), header))
      return refused(payments::SignatureVerdict::malformed);
    // The clock first: a stale delivery costs no HMAC.
    const int64_t skew = req_.now_ms / 1000 - header.timestamp;
    if (skew > payments::kSignatureToleranceSeconds || skew < -payments::kSignatureToleranceSeconds)
      return refused(payments::SignatureVerdict::stale);
    Action a = crypto_action(
        Json::array({{{"op", "hmac_sha256"}, {"key_ref", "stripe_webhook"}, {"text", payments::signed_payload(header.timestamp, req_.body)}}}));
    return then(std::move(a), [this, header](const Event& ev) {
      const Json* values = field(ev.head, "values");
      const std::string hex = values && values->is_array() && !values->empty() ? str_field((*values)[0], "hex") : "";
      if (hex.empty()) return error_response(ApiError::internal("The webhook signature could not be computed."));
      if (auto v = payments::verify_signature(header, hex, req_.now_ms); v != payments::SignatureVerdict::ok) return refused(v);
      // Parsed only once verified, and only if it is no deeper than any client body may be.
      if (!check_json_depth(req_.body).ok || !payments::parse_event(req_.body, event_))
        return error_response(ApiError::bad_request("The body is not a Stripe event.", "invalid_event"));
      return act();
    });
  }

  static Action received(bool credited) { return json_response(200, {{"received", true}, {"credited", credited}}); }

  Action act() {
    const auto& e = event_;
    const int64_t stamp = req_.now_ms;
    switch (payments::event_action(e)) {
      case payments::EventAction::ignore:
        return received(false);
      case payments::EventAction::expire_checkout:
        return run_sql({store::payments::record_event(e.id, e.type, stamp), store::payments::expire(e.payment_id, e.owner_id)},
                       [](const SqlResult& r) { return r.ok() ? received(false) : database_unavailable(r); });
      case payments::EventAction::complete_auto_topup:
        return run_sql({store::payments::record_event(e.id, e.type, stamp),
                        store::payments::complete_auto_topup(e.payment_id, e.owner_id, stamp, e.object_id),
                        store::payments::credit("auto_topup", e.payment_id, e.owner_id, stamp),
                        store::payments::auto_topup_reconciled(e.owner_id, e.payment_id, stamp)},
                       [](const SqlResult& r) { return r.ok() ? received(!r.at(2).empty()) : database_unavailable(r); });
      case payments::EventAction::complete_checkout:
        return run_sql({store::payments::record_event(e.id, e.type, stamp),
                        store::payments::complete_checkout(e.payment_id, e.owner_id, stamp, e.payment_intent, e.object_id),
                        store::payments::credit("topup", e.payment_id, e.owner_id, stamp)},
                       [this](const SqlResult& r) {
          if (!r.ok()) return database_unavailable(r);
          const bool credited = !r.at(2).empty();
          // The card the payment saved, for auto top-up: asked once, by the
          // delivery that credited. A failure here undoes nothing.
          if (!credited || event_.payment_intent.empty() || !gw_.config().stripe.secret_key_set) return received(credited);
          return stripe("GET", "/v1/payment_intents/" + payments::form_escape(event_.payment_intent), {}, "", [this](const StripeReply& reply) {
            std::string method;
            if (reply.ok()) {
              const Json* pm = field(reply.body, "payment_method");
              if (pm && pm->is_string()) method = pm->get<std::string>();
              else if (pm && pm->is_object()) method = str_field(*pm, "id");
            }
            std::string customer = reply.ok() ? str_field(reply.body, "customer") : "";
            if (customer.empty()) customer = event_.customer;
            if (method.empty() || customer.empty()) return received(true);
            return run_sql({store::payments::save_payment_method(event_.owner_id, customer, method)},
                           [](const SqlResult&) { return received(true); });
          });
        });
    }
    return received(false);
  }

  HttpRequest req_;
  payments::StripeEvent event_;
};

}  // namespace

std::unique_ptr<Task> make_checkout_task(Gateway& gw, HttpRequest req, Caller caller) {
  return std::make_unique<CheckoutTask>(gw, std::move(req), std::move(caller));
}
std::unique_ptr<Task> make_deposits_task(Gateway&, HttpRequest req, Caller caller) {
  return std::make_unique<DepositsTask>(std::move(req), std::move(caller));
}
std::unique_ptr<Task> make_cancel_pending_task(Gateway&, HttpRequest, Caller caller) {
  return std::make_unique<CancelPendingTask>(std::move(caller));
}
std::unique_ptr<Task> make_auto_topup_settings_task(Gateway&, HttpRequest req, Caller caller) {
  return std::make_unique<AutoTopupSettingsTask>(std::move(req), std::move(caller));
}
std::unique_ptr<Task> make_stripe_webhook_task(Gateway& gw, HttpRequest req) {
  return std::make_unique<StripeWebhookTask>(gw, std::move(req));
}

}  // namespace keyaos::api
