#include "payments/stripe_call.h"

namespace keyaos::payments {

Action StripeTask::stripe(const std::string& method, const std::string& path, const Form& form, const std::string& idempotency_key,
                          std::function<Action(const StripeReply&)> k) {
  Json headers = {{"accept", "application/json"}};
  Action a;
  if (method != "GET") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    a.payload = form_encode(form);
  }
  if (!idempotency_key.empty()) headers["idempotency-key"] = idempotency_key;
  a.head = {{"type", "fetch"},
            {"url", gw_.config().stripe.api_base_url + path},
            {"method", method},
            {"headers", headers},
            {"secret_ref", "stripe"},
            {"timeouts", {{"headers_ms", kStripeTimeoutMs}}}};
  return then(std::move(a), [this, k = std::move(k)](const Event& ev) mutable {
    if (ev.type != "upstream_head") {
      StripeReply reply;
      reply.failure = str_field(ev.head, "message", "no answer");
      return k(reply);
    }
    const int status = static_cast<int>(int_field(ev.head, "status"));
    Action read;
    read.head = {{"type", "read_body"}, {"max_bytes", kMaxStripeReplyBytes}, {"timeout_ms", kStripeTimeoutMs}, {"whole", true}};
    return then(std::move(read), [status, k = std::move(k)](const Event& body) {
      StripeReply reply;
      if (body.type != "upstream_body") {
        reply.failure = str_field(body.head, "message", "the answer could not be read");
        return k(reply);
      }
      reply.status = status;
      reply.raw = body.payload;
      reply.body = parse_json(reply.raw);
      return k(reply);
    });
  });
}

}  // namespace keyaos::payments
