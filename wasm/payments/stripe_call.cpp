#include "payments/stripe_call.h"

namespace keyaos::payments {

Action StripeTask::stripe(const std::string& method, const std::string& path, const Form& form, const std::string& idempotency_key,
                          std::function<Action(const StripeReply&)> k) {
  FetchRequest request;
  request.url = gw_.config().stripe.api_base_url + path;
  request.method = method;
  request.headers = {{"accept", "application/json"}};
  if (method != "GET") {
    request.headers["content-type"] = "application/x-www-form-urlencoded";
    request.body = form_encode(form);
  }
  if (!idempotency_key.empty()) request.headers["idempotency-key"] = idempotency_key;
  request.secret_ref = "stripe";
  request.headers_timeout_ms = kStripeTimeoutMs;
  return then(fetch_action(std::move(request)), [this, k = std::move(k)](const Event& ev) mutable {
    if (ev.type != EventType::upstream_head) {
      StripeReply reply;
      reply.failure = str_field(ev.head, "message", "no answer");
      return k(reply);
    }
    const int status = static_cast<int>(int_field(ev.head, "status"));
    Action read = read_body_action(kMaxStripeReplyBytes, kStripeTimeoutMs, true);
    return then(std::move(read), [status, k = std::move(k)](const Event& body) {
      StripeReply reply;
      if (body.type != EventType::upstream_body) {
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
