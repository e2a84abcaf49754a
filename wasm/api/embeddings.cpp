#include "api/embeddings.h"

#include <algorithm>
#include <cstdio>

#include "api/routing_table.h"
#include "api/upstream_adapter.h"
#include "billing/cost.h"
#include "billing/ledger.h"
#include "core/secrets.h"
#include "core/text.h"
#include "protocols/openai/embeddings.h"
#include "protocols/openai/errors.h"

namespace keyaos::api {
namespace {

constexpr size_t kMaxErrorBodyBytes = 64 * 1024;
// Vectors of a full batch (2,048 inputs x 3,072 floats) as JSON text fit.
constexpr size_t kMaxBodyBytes = 64u << 20;

class EmbeddingsTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    request_id_ = billing::request_id(req_.now_ms, req_.nonce);
    ApiError error;
    if (!openai::parse_embeddings_request(req_.body, emb_, error)) return error_response(error);
    // Vectors of different models are not comparable: another model only on request.
    if (!emb_.fallback_models.empty() && !emb_.allow_model_fallback)
      return error_response(ApiError::bad_request(
          "'models' is refused for embeddings: vectors from different models cannot be compared or stored together. "
          "Set \"allow_model_fallback\": true to accept another model's vectors (the answer's x-keyaos-model names it).",
          "model_fallback_refused", "models"));
    models_ = models_to_try(emb_.model, emb_.fallback_models);
    // Ranking reads these: the estimated input tokens, and no output.
    shape_.providers = emb_.providers;
    shape_.prompt_bytes = emb_.input_tokens * 4;
    shape_.max_output_tokens = 0;
    return load_routing();
  }

 private:
  Action load_routing() {
    return load_routing_table(caller_.owner_id, models_[model_index_], req_.now_ms, [this] { return plan(); },
                              gw_.config().platform.enabled);
  }

  Action plan() {
    const std::string& requested = models_[model_index_];
    route(caller_.owner_id, requested, shape_, req_.now_ms, route_, false, true, scope());
    if (auto problem = unroutable(requested, route_, caller_, true)) return next_model_or(*problem);
    model_id_ = route_.match.model_id;
    release_probes(plan_, next_attempt_);
    plan_ = plan_attempts(route_.ranking, [this](const routing::Candidate& c) {
      const catalog::ProviderDef* def = gw_.provider(c.credential->owner_id, c.offering->provider_id);
      return def && def->embeddings && def->protocol == catalog::Protocol::openai;
    });
    next_attempt_ = 0;
    if (plan_.empty()) return next_model_or(nothing_to_try(model_id_, route_.ranking));
    return admit(caller_.owner_id, request_id_, plan_, req_.now_ms, [this] { return admitted(); }, [this] { return plan(); });
  }

  Action admitted() {
    if (caller_.quota && !reserved_) {
      reserved_ = true;
      return reserve_quota(caller_, request_id_, max_expected_cost(plan_), req_.now_ms, [this] { return attempt(); });
    }
    return attempt();
  }

  Action next_model_or(const ApiError& error) {
    if (model_index_ + 1 < models_.size()) {
      ++model_index_;
      return load_routing();
    }
    if (policy_.failed()) return answer_failure();
    return error_response(error);
  }

  Action attempt() {
    if (next_attempt_ >= plan_.size()) return next_model_or(ApiError{503, "All upstreams failed.", "service_unavailable", "upstreams_failed", {}});
    at_.target = plan_[next_attempt_++];
    at_.started_ms = last_event_ms_ = last_event_ms_ ? last_event_ms_ : req_.now_ms;
    at_.first_byte_ms = -1;
    const catalog::ProviderDef& def = *gw_.provider(at_.target.credential.owner_id, at_.target.offering.provider_id);
    Json headers = {{"content-type", "application/json"}, {"accept", "application/json"}, {"authorization", "Bearer ${secret}"}};
    for (const auto& [k, v] : def.extra_headers) headers[ascii_lower(k)] = v;
    FetchRequest post;
    post.url = gw_.base_url(def) + def.embeddings->path;
    post.method = "POST";
    post.headers = std::move(headers);
    post.credential = sealed_credential(at_.target.credential.owner_id, at_.target.credential.id, at_.target.credential.ciphertext);
    post.headers_timeout_ms = gw_.config().timeouts.headers_ms;
    post.body = openai::upstream_embeddings_body(emb_, catalog::to_upstream_model_id(def, at_.target.offering.model_id, at_.target.offering.upstream_model_id));
    return then(fetch_action(std::move(post)), [this](const Event& ev) { return on_head(ev); });
  }

  Action on_head(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == EventType::upstream_error) return fail(transport_error(ev, at_.target.offering.provider_id));
    upstream_status_ = static_cast<int>(int_field(ev.head, "status"));
    const Json headers = ev.head.contains("headers") ? ev.head["headers"] : Json::object();
    Action a;
    if (upstream_status_ >= 200 && upstream_status_ < 300) {
      a = read_body_action(kMaxBodyBytes, gw_.config().timeouts.idle_ms, true);
      return then(std::move(a), [this](const Event& e) { return on_body(e); });
    }
    a = read_body_action(kMaxErrorBodyBytes, gw_.config().timeouts.idle_ms, false);
    const std::string retry_after = str_field(headers, "retry-after");
    return then(std::move(a), [this, retry_after](const Event& e) {
      last_event_ms_ = e.now_ms();
      if (e.type == EventType::upstream_error) return fail(transport_error(e, at_.target.offering.provider_id));
      return fail(openai::classify_http_error(upstream_status_, e.payload, retry_after, e.now_ms()));
    });
  }

  Action on_body(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == EventType::upstream_error) {
      // Once the answer has started arriving it is not bought a second time elsewhere.
      if (int_field(ev.head, "bytes") <= 0 && str_field(ev.head, "kind") != "too_large")
        return fail(transport_error(ev, at_.target.offering.provider_id));
      UpstreamError e = transport_error(ev, at_.target.offering.provider_id);
      if (str_field(ev.head, "kind") == "too_large")
        e = {ErrorClass::stream, 502, "Upstream " + at_.target.offering.provider_id + " answered with a body larger than " + std::to_string(kMaxBodyBytes) + " bytes.",
             "upstream_error", "upstream_response_too_large", -1};
      e.message += " The upstream had already started answering, so it was not retried elsewhere.";
      return fail(e, routing::AttemptPhase::answering);
    }
    at_.first_byte_ms = ev.now_ms() - at_.started_ms;
    openai::EmbeddingsAnswer answer;
    std::string why;
    if (!openai::render_embeddings(ev.payload, emb_, at_.target.offering.model_id, answer, why)) {
      Json probe = parse_json(ev.payload);
      if (const Json* err = probe.is_object() ? field(probe, "error") : nullptr; err && !err->is_null())
        return fail(openai::classify_stream_error(dump_json(*err)));
      return fail({ErrorClass::stream, 502, "Upstream " + at_.target.offering.provider_id + " answered with a malformed embeddings list: " + why + ".",
                   "upstream_error", "malformed_response", -1});
    }
    served_model_ = answer.served_model;
    UpstreamError none;
    record_attempt(true, none);
    release_probes(plan_, next_attempt_);
    std::vector<Statement> writes = health_writes_;
    gw_.health().success(at_.target.credential.id, at_.target.offering.model_id, writes);
    billing::RequestRecord r = base_record();
    r.http_status = upstream_status_;
    record_served(r, at_, answer.usage, route_.reference, caller_, attempts_, writes);
    Json headers = {{"content-type", "application/json"},
                    {"x-request-id", request_id_},
                    {"x-keyaos-provider", at_.target.offering.provider_id},
                    {"x-keyaos-model", at_.target.offering.model_id},
                    {"x-keyaos-attempts", std::to_string(attempts_.size())},
                    {"x-keyaos-cost-estimate", billing::usd_text(at_.target.expected_cost_usd)}};
    // Only the caller's own credential is named (see the chat task).
    if (at_.target.credential.owner_id == caller_.owner_id) headers["x-keyaos-credential"] = at_.target.credential.id;
    return respond_action(upstream_status_, headers, std::move(answer.body), std::move(writes));
  }

  // A failed attempt: the failover policy decides what follows and what the
  // credential's health becomes.
  Action fail(const UpstreamError& e, routing::AttemptPhase phase = routing::AttemptPhase::before_answer) {
    const int64_t now = last_event_ms_ ? last_event_ms_ : req_.now_ms;
    record_attempt(false, e);
    const routing::FailoverDecision d = policy_.on_failure(e, phase, false);
    apply_health_change(at_.target.credential.owner_id, at_.target.credential.id, at_.target.offering.model_id, d.health, e, now, jitter(), health_writes_);
    switch (d.next) {
      case routing::FailoverDecision::Next::answer:
        return answer_failure();
      case routing::FailoverDecision::Next::retry_same:
      case routing::FailoverDecision::Next::refresh_retry:
      case routing::FailoverDecision::Next::relax_retry:  // not asked for: an embeddings body has no optional members
        --next_attempt_;
        return attempt();
      case routing::FailoverDecision::Next::try_next:
        break;
    }
    return attempt();
  }

  // Every candidate failed (or the error is the client's): the most
  // informative upstream answer, with the attempts.
  Action answer_failure() {
    release_probes(plan_, next_attempt_);
    const routing::FailureAnswer fa = policy_.answer();
    Json headers = Json::object();
    if (fa.retry_after_s >= 0) headers["retry-after"] = std::to_string(fa.retry_after_s);
    const ApiError err = failure_error(fa, attempts_);
    headers["x-keyaos-attempts"] = std::to_string(attempts_.size());
    headers["x-request-id"] = request_id_;
    headers["content-type"] = "application/json";
    billing::RequestRecord r = base_record();
    std::vector<Statement> writes = health_writes_;
    record_failed(r, fa, attempts_, writes);
    return respond_action(fa.status, headers, err.body(), std::move(writes));
  }

  void record_attempt(bool ok, const UpstreamError& e) {
    attempts_.push_back(attempt_record(at_, caller_, ok, upstream_status_, e, last_event_ms_ ? last_event_ms_ : req_.now_ms));
  }

  billing::RequestRecord base_record() const {
    billing::RequestRecord r = request_record(request_id_, caller_, model_id_.empty() ? ascii_lower(emb_.model) : model_id_, at_,
                                              !attempts_.empty(), req_.now_ms, last_event_ms_ ? last_event_ms_ : req_.now_ms);
    r.served_model = served_model_;
    r.api = "embeddings";
    return r;
  }

  double jitter() const { return attempt_jitter(req_.nonce, attempts_.size()); }

  openai::EmbeddingsRequest emb_;
  openai::ChatRequest shape_;  // what ranking reads: providers, prompt size, no output
  std::string request_id_;
  std::vector<std::string> models_;
  size_t model_index_ = 0;
  std::string model_id_;
  Route route_;
  std::vector<PlannedAttempt> plan_;
  size_t next_attempt_ = 0;
  AttemptInFlight at_;  // the attempt being made (or the last one made)
  bool reserved_ = false;
  int64_t last_event_ms_ = 0;
  int upstream_status_ = 0;
  std::string served_model_;
  std::vector<billing::AttemptRecord> attempts_;
  std::vector<Statement> health_writes_;
  routing::FailoverPolicy policy_;
};

}  // namespace

std::unique_ptr<Task> make_embeddings_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<EmbeddingsTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
