#include "api/chat.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "billing/cost.h"
#include "billing/ledger.h"
#include "core/secrets.h"
#include "protocols/common/openai_chunks.h"
#include "protocols/openai/chat_request.h"
#include "api/routing_table.h"
#include "api/upstream_adapter.h"
#include "routing/failover.h"
#include "routing/ranking.h"

namespace keyaos::api {
namespace {

// Bytes of a stream read before the response is committed when no content
// appears (a very long role/preamble chunk): past this we stop waiting.
constexpr size_t kMaxProbeBytes = 256 * 1024;
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;
// A non-streamed answer is read whole (it is translated and billed from the
// whole body); past this it is refused rather than held.
constexpr size_t kMaxBodyBytes = 16u << 20;

class ChatTask : public RoutingTask {
 public:
  ChatTask(Gateway& gw, HttpRequest req, Caller caller, std::shared_ptr<ClientProtocol> client)
      : RoutingTask(gw, req.now_ms), req_(std::move(req)), caller_(std::move(caller)), client_(std::move(client)) {}

  Action start(const Event&) override {
    started_ms_ = req_.now_ms;
    request_id_ = billing::request_id(started_ms_, req_.nonce);
    ApiError error;
    if (!client_->is_chat() && !client_->map_request(req_.body, chat_body_, error)) return reject(error);
    if (!openai::parse_chat_request(chat_body(), chat_, error)) return reject(error);
    models_ = models_to_try(chat_.model, chat_.fallback_models);
    return load_routing();
  }

 private:
  // The engine's request: the client's body itself, or what it mapped to.
  std::string_view chat_body() const { return client_->is_chat() ? std::string_view(req_.body) : std::string_view(chat_body_); }

  // An answer before any response byte, in the client's API.
  Action reject(const ApiError& error, Json headers = Json::object()) override {
    headers["content-type"] = "application/json";
    return respond_action(client_->error_status(error), headers, client_->error_body(error));
  }

  ClientResponseContext response_context() const { return {req_.nonce, chat_.model, req_.now_ms / 1000, req_.now_ms}; }

  // The engine's OpenAI SSE as the client's stream.
  void render(std::string_view openai_sse, std::string& out) {
    if (writer_) writer_->feed(openai_sse, out);
    else out.append(openai_sse);
  }

  Action load_routing() {
    return load_routing_table(caller_.owner_id, models_[model_index_], req_.now_ms, [this] { return plan(); },
                              gw_.config().platform.enabled);
  }

  Action plan() {
    const std::string& requested = models_[model_index_];
    route(caller_.owner_id, requested, chat_, req_.now_ms, route_, false, false, scope());
    if (auto problem = unroutable(requested, route_, caller_, false)) return next_model_or(*problem);
    model_id_ = route_.match.model_id;
    reference_ = route_.reference;
    const routing::Ranking& ranking = route_.ranking;
    release_probes(plan_, next_attempt_);
    plan_ = plan_attempts(ranking);
    next_attempt_ = 0;
    if (plan_.empty()) return next_model_or(nothing_to_try(model_id_, ranking));
    return admit(caller_.owner_id, request_id_, plan_, req_.now_ms, [this] { return admitted(); }, [this] { return plan(); });
  }

  Action admitted() {
    if (caller_.quota && !reserved_) return reserve();
    return attempt();
  }

  Action reserve() {
    reserved_ = true;
    return reserve_quota(caller_, request_id_, max_expected_cost(plan_), req_.now_ms, [this] { return attempt(); });
  }

  // The `models` fallback list: move on to the next model, or answer `error`.
  Action next_model_or(const ApiError& error) {
    if (model_index_ + 1 < models_.size()) {
      ++model_index_;
      return load_routing();
    }
    if (!attempts_.empty() && policy_.failed()) return answer_upstream_failure();
    return reject(error);
  }

  // ---- attempts ------------------------------------------------------------
  Action attempt() {
    if (next_attempt_ >= plan_.size()) return next_model_or(ApiError{503, "All upstreams failed.", "service_unavailable", "upstreams_failed", {}});
    at_.target = plan_[next_attempt_++];
    at_.started_ms = last_event_ms_ = now_of_last_event();
    translator_ = nullptr;
    adapter_.reset();
    prefix_.clear();
    at_.first_byte_ms = -1;
    upstream_status_ = 0;
    stream_closed_ = false;
    AttemptContext context;
    context.gw = &gw_;
    context.def = gw_.provider(at_.target.credential.owner_id, at_.target.offering.provider_id);
    context.credential = at_.target.credential;
    context.offering = at_.target.offering;
    context.chat = &chat_;
    context.client_body = chat_body();
    context.response_id = "chatcmpl-" + req_.nonce.substr(0, 24);
    context.nonce = req_.nonce;
    context.attempt_number = static_cast<int>(attempts_.size());
    context.now_ms = at_.started_ms;
    adapter_ = make_upstream_adapter(context);
    if (!adapter_) {
      UpstreamError e{ErrorClass::server, 501, "provider protocol is not available in this version", "server_error", "unsupported_protocol", -1};
      record_attempt(false, e, now_of_last_event());
      policy_.note(e);
      return attempt();
    }
    return prepared(adapter_->prepare(at_.started_ms));
  }

  int64_t now_of_last_event() const { return last_event_ms_ ? last_event_ms_ : req_.now_ms; }

  // The adapter's preparation (token refresh, project discovery), step by step.
  Action prepared(PrepareStep step) {
    switch (step.kind) {
      case PrepareStep::Kind::act:
        return then(std::move(step.action), [this](const Event& ev) {
          last_event_ms_ = ev.now_ms();
          return prepared(adapter_->advance(ev));
        });
      case PrepareStep::Kind::failed:
        return fail(step.error);
      case PrepareStep::Kind::ready:
        break;
    }
    return then(adapter_->chat_fetch(now_of_last_event()), [this](const Event& ev) { return on_head(ev); });
  }

  Action on_head(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == EventType::upstream_error) return fail_transport(ev);
    upstream_status_ = static_cast<int>(int_field(ev.head, "status"));
    upstream_headers_ = ev.head.contains("headers") ? ev.head["headers"] : Json::object();
    Action a;
    if (upstream_status_ >= 200 && upstream_status_ < 300) {
      if (chat_.stream) {
        translator_ = &adapter_->start_stream(ev.now_ms());
        return read_chunk();
      }
      // idle_ms bounds the gap between bytes, not the whole body: a long
      // answer that keeps arriving is never cut.
      a = read_body_action(kMaxBodyBytes, gw_.config().timeouts.idle_ms, true);
      return then(std::move(a), [this](const Event& e) { return on_body(e); });
    }
    a = read_body_action(kMaxErrorBodyBytes, gw_.config().timeouts.idle_ms, false);
    return then(std::move(a), [this](const Event& e) {
      last_event_ms_ = e.now_ms();
      if (e.type == EventType::upstream_error) return fail_transport(e);
      UpstreamError error = adapter_->classify_error(upstream_status_, e.payload, upstream_headers_, e.now_ms());
      return fail(error, policy_.may_refresh(error) && adapter_->drop_access_token());
    });
  }

  Action fail_transport(const Event& ev) { return fail(transport_error(ev, at_.target.offering.provider_id)); }

  // Once the body has started arriving the upstream is doing the work: if it
  // then stalls, breaks or outgrows the cap, running the request again
  // elsewhere would pay for it twice, so the client gets the error instead.
  // Before its first byte, a failure still fails over.
  Action body_broke(const Event& ev) {
    if (int_field(ev.head, "bytes") <= 0 && str_field(ev.head, "kind") != "too_large") return fail_transport(ev);
    UpstreamError e = transport_error(ev, at_.target.offering.provider_id);
    if (str_field(ev.head, "kind") == "too_large") {
      e = {ErrorClass::stream, 502, "Upstream " + at_.target.offering.provider_id + " answered with a body larger than " +
                                        std::to_string(kMaxBodyBytes) + " bytes.",
           "upstream_error", "upstream_response_too_large", -1};
    }
    e.message += " The upstream had already started answering, so it was not retried elsewhere.";
    return fail(e, false, routing::AttemptPhase::answering);
  }

  // Non-streaming success path.
  Action on_body(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == EventType::upstream_error) return body_broke(ev);
    at_.first_byte_ms = ev.now_ms() - at_.started_ms;
    BodyResult result = adapter_->translate_body(upstream_status_, ev.payload, ev.now_ms());
    if (!result.ok) return fail(result.error);
    served_model_ = result.served_model;
    adapter_->answered();
    Json headers = client_headers("application/json");
    auto writes = succeed(result.usage, ev.now_ms(), false);
    std::string body = client_->is_chat() ? std::move(result.body) : client_->render_body(result.body, result.usage, response_context());
    return respond_action(upstream_status_, headers, std::move(body), std::move(writes));
  }

  // ---- streaming -----------------------------------------------------------
  Action read_chunk() {
    Action a = read_chunk_action(prefix_.empty() ? gw_.config().timeouts.first_token_ms : gw_.config().timeouts.idle_ms);
    return then(std::move(a), [this](const Event& e) { return on_probe(e); });
  }

  // Before the first content byte reaches the client, any failure can still
  // fail over; so the stream is read (and translated) here until content
  // shows up. What the client gets first is the translated prefix.
  Action on_probe(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == EventType::upstream_error) return fail_transport(ev);
    if (at_.first_byte_ms < 0) at_.first_byte_ms = ev.now_ms() - at_.started_ms;
    if (ev.type == EventType::upstream_end) {
      std::string tail;
      translator_->finish(tail);
      stream_closed_ = true;
      if (translator_->failed()) return fail(translator_->error());
      if (translator_->finished()) {
        prefix_ += tail;
        return commit();
      }
      return fail({ErrorClass::stream, 502, "Upstream " + at_.target.offering.provider_id + " closed the stream before sending any content.",
                   "upstream_error", "empty_stream", -1});
    }
    translator_->feed(ev.payload, prefix_);
    if (translator_->failed()) return cancel_then_fail(translator_->error());
    if (translator_->content_started() || translator_->finished() || prefix_.size() > kMaxProbeBytes) return commit();
    return read_chunk();
  }

  Action cancel_then_fail(UpstreamError e) {
    Action a = cancel_upstream_action();
    return then(std::move(a), [this, e](const Event&) { return fail(e); });
  }

  // After the commit the host hands every further upstream chunk back and
  // writes what the engine answers: translated bytes, or for an OpenAI
  // upstream its own well-formed events, metered as they pass.
  Action commit() {
    // Content arrived: the pair works. Clear its cooldown now, not when a long stream ends.
    gw_.health().success(at_.target.credential.id, at_.target.offering.model_id, health_writes_);
    Json headers = client_headers("text/event-stream; charset=utf-8");
    headers["cache-control"] = "no-cache";
    // A client API with a keepalive frame gets one when its stream has been quiet this long.
    const int64_t keepalive_ms = client_->is_chat() ? 0 : gw_.config().timeouts.keepalive_ms;
    Action a = commit_stream_action(upstream_status_, headers, gw_.config().timeouts.idle_ms, keepalive_ms, "");
    if (!client_->is_chat()) {
      writer_ = client_->stream_writer(response_context());
      writer_->open(a.payload);
      writer_->feed(prefix_, a.payload);
    } else {
      a.payload = std::move(prefix_);
    }
    prefix_.clear();
    relaying_ = true;
    return then(std::move(a), [this](const Event& e) { return on_committed(e); });
  }

  // A committed stream's chunk: metered, then translated or passed on.
  void relay(std::string_view bytes, std::string& out) {
    if (stream_closed_ || translator_->failed()) return;
    if (writer_) {
      engine_events_.clear();  // kept between chunks: one buffer for the whole stream
      translator_->feed(bytes, engine_events_);
      writer_->feed(engine_events_, out);
    } else {
      translator_->feed(bytes, out);
    }
  }

  bool relay_chunk(std::string_view bytes, std::string& out) override {
    if (!relaying_) return false;
    relay(bytes, out);
    return true;
  }

  Action on_committed(const Event& ev) {
    Action w = write_action("");
    if (ev.type == EventType::keepalive) {
      if (writer_ && !stream_closed_) writer_->keepalive(w.payload);
      return then(std::move(w), [this](const Event& e) { return on_committed(e); });
    }
    if (ev.type != EventType::upstream_chunk) return on_stream_end(ev);
    relay(ev.payload, w.payload);
    return then(std::move(w), [this](const Event& e) { return on_committed(e); });
  }

  // The stream has ended (or the client left). Decide how the client's stream
  // closes and write the ledger.
  Action on_stream_end(const Event& ev) {
    relaying_ = false;
    const bool client_aborted = bool_field(ev.head, "client_aborted");
    std::string engine;  // the engine's last OpenAI events
    if (!stream_closed_) {
      // Bytes the host read but did not hand over as chunks (a last block).
      if (!translator_->failed()) translator_->feed(ev.payload, engine);
      translator_->finish(engine);
      stream_closed_ = true;
    }
    if (int64_t dropped = translator_->dropped_events())
      attempt_note_ = std::to_string(dropped) + " malformed stream event" + (dropped == 1 ? "" : "s") + " dropped";
    std::vector<Statement> writes;
    std::string append;
    served_model_ = adapter_->served_model();
    // Whether the client's stream so far is the engine's events as they are.
    const bool verbatim = !writer_ && !adapter_->transforms_stream();
    if (translator_->failed()) {
      // A pass-through upstream's error event already reached the client,
      // redacted; otherwise it is reported here, without [DONE].
      const UpstreamError shown = client_view(translator_->error());
      if (writer_) writer_->fail(shown, append);
      else if (verbatim) append = std::move(engine);
      else OpenAIChunkWriter::error_event(shown, append);
      writes = record_stream_failure(translator_->error(), ev.now_ms(), client_aborted);
    } else if (!translator_->finished()) {
      std::string upstream_error = str_field(ev.head, "upstream_error");
      UpstreamError e{ErrorClass::stream, 502,
                      upstream_error.empty() ? "The upstream stream ended before the answer was complete."
                                             : "The upstream stream broke before the answer was complete: " + upstream_error,
                      "upstream_error", "stream_truncated", -1};
      // A cut answer must not look complete: an error event and no [DONE].
      // Pass-through: the upstream's last whole events go first.
      if (writer_) {
        writer_->feed(engine, append);
        writer_->fail(e, append);
      } else {
        if (verbatim) append = std::move(engine);
        OpenAIChunkWriter::error_event(e, append);
      }
      writes = record_stream_failure(e, ev.now_ms(), client_aborted);
    } else {
      adapter_->answered();
      writes = succeed(translator_->usage(), ev.now_ms(), client_aborted);
      if (writer_) {
        writer_->feed(engine, append);
        writer_->finish(translator_->usage(), append);
      } else {
        append = std::move(engine);
      }
    }
    return finish_action(writes, std::move(append));
  }

  std::vector<Statement> record_stream_failure(const UpstreamError& e, int64_t now, bool client_aborted) {
    record_attempt(false, e, now);
    release_probes(plan_, next_attempt_);
    std::vector<Statement> writes = health_writes_;
    gw_.health().failure(at_.target.credential.id, at_.target.offering.model_id, e, now, jitter(), writes);
    billing::RequestRecord r = base_record(now);
    r.ok = false;
    r.http_status = upstream_status_;
    r.error_class = error_class_name(e.error_class);
    r.error_message = e.message;
    r.client_aborted = client_aborted;
    auto ledger = billing::ledger_statements(r, attempts_);
    writes.insert(writes.end(), ledger.begin(), ledger.end());
    return writes;
  }

  // ---- outcomes ------------------------------------------------------------
  // A failed attempt: the policy decides what follows and what the
  // credential's health becomes; this carries it out.
  Action fail(const UpstreamError& e, bool token_dropped = false,
              routing::AttemptPhase phase = routing::AttemptPhase::before_answer) {
    record_attempt(false, e, now_of_last_event());
    std::string refused;
    std::string relaxed = relaxed_body(e, refused);
    const routing::FailoverDecision d = policy_.on_failure(e, phase, token_dropped, !relaxed.empty());
    apply_health(d.health, e);
    switch (d.next) {
      case routing::FailoverDecision::Next::answer:
        return answer_upstream_failure();
      case routing::FailoverDecision::Next::relax_retry: {
        ApiError unused;
        openai::ChatRequest chat;
        if (!openai::parse_chat_request(relaxed, chat, unused)) return answer_upstream_failure();
        chat_body_ = std::move(relaxed);
        chat_ = std::move(chat);
        attempt_note_ = "sent again without " + refused + ", which the upstream refused";
        --next_attempt_;
        return attempt();
      }
      case routing::FailoverDecision::Next::retry_same:
      case routing::FailoverDecision::Next::refresh_retry:
        --next_attempt_;
        return attempt();
      case routing::FailoverDecision::Next::try_next:
        break;
    }
    return attempt();
  }

  // The mapped body without the optional members (OptionalChatMember) that
  // the upstream's client error names, or empty when it names none of them.
  std::string relaxed_body(const UpstreamError& e, std::string& refused) const {
    if (client_->is_chat() || e.error_class != ErrorClass::bad_request) return {};
    const std::string said = e.message + " " + e.code;
    std::string body = chat_body_;
    for (const OptionalChatMember& member : client_->optional_members()) {
      bool named = false;
      for (std::string_view words = member.refusal_words; !words.empty() && !named;) {
        const size_t space = words.find(' ');
        const std::string_view word = words.substr(0, space);
        named = !word.empty() && contains_ascii_ci(said, word);
        words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
      }
      if (!named) continue;
      std::string without = openai::without_member(body, member.name);
      if (without.empty() || without.size() == body.size()) continue;  // not in the body
      body = std::move(without);
      refused += (refused.empty() ? "" : ", ") + std::string(member.name);
    }
    return refused.empty() ? std::string() : body;
  }

  void apply_health(routing::HealthChange change, const UpstreamError& e) {
    apply_health_change(at_.target.credential.owner_id, at_.target.credential.id, at_.target.offering.model_id, change, e, now_of_last_event(), jitter(),
                        health_writes_);
  }

  void record_attempt(bool ok, const UpstreamError& e, int64_t now) {
    billing::AttemptRecord a = attempt_record(at_, caller_, ok, upstream_status_, e, now);
    // A successful attempt's notes (e.g. events dropped) go in its message.
    if (!attempt_note_.empty()) a.error_message += (a.error_message.empty() ? "" : "; ") + attempt_note_;
    attempt_note_.clear();
    attempts_.push_back(std::move(a));
  }

  // Every candidate failed (or the error is the client's): report the most
  // informative upstream answer with the attempts, never a bare "no key".
  Action answer_upstream_failure() {
    release_probes(plan_, next_attempt_);
    const routing::FailureAnswer answer = policy_.answer();
    Json headers = Json::object();
    if (answer.retry_after_s >= 0) headers["retry-after"] = std::to_string(answer.retry_after_s);
    ApiError err = failure_error(answer, attempts_);
    if (answer.error.error_class == ErrorClass::unaffordable) err.param = "max_tokens";
    headers["x-keyaos-attempts"] = std::to_string(attempts_.size());
    headers["x-request-id"] = request_id_;
    billing::RequestRecord r = base_record(now_of_last_event());
    std::vector<Statement> writes = health_writes_;
    record_failed(r, answer, attempts_, writes);
    headers["content-type"] = "application/json";
    return respond_action(client_->error_status(err), headers, client_->error_body(err), std::move(writes));
  }

  std::vector<Statement> succeed(const Usage& usage, int64_t now, bool client_aborted) {
    UpstreamError none;
    record_attempt(true, none, now);
    release_probes(plan_, next_attempt_);
    std::vector<Statement> writes = health_writes_;
    gw_.health().success(at_.target.credential.id, at_.target.offering.model_id, writes);
    billing::RequestRecord r = base_record(now);
    r.http_status = upstream_status_;
    r.client_aborted = client_aborted;
    record_served(r, at_, usage, reference_, caller_, attempts_, writes);
    return writes;
  }

  billing::RequestRecord base_record(int64_t now) const {
    billing::RequestRecord r = request_record(request_id_, caller_, model_id_.empty() ? ascii_lower(chat_.model) : model_id_, at_,
                                              !attempts_.empty(), started_ms_, now);
    r.served_model = served_model_;
    r.stream = chat_.stream;
    r.api = std::string(client_->name());
    return r;
  }

  bool foreign(const routing::Credential& c) const { return !c.owner_id.empty() && c.owner_id != caller_.owner_id; }

  Json client_headers(const char* content_type) const {
    Json headers = {{"content-type", content_type},
                    {"x-request-id", request_id_},
                    {"x-keyaos-provider", at_.target.offering.provider_id},
                    {"x-keyaos-model", at_.target.offering.model_id},
                    {"x-keyaos-attempts", std::to_string(attempts_.size() + 1)},
                    {"x-keyaos-cost-estimate", billing::usd_text(at_.target.expected_cost_usd)}};
    // The credential's opaque id, and only the caller's own: a shared-pool
    // consumer never learns whose credential served them.
    if (!foreign(at_.target.credential)) headers["x-keyaos-credential"] = at_.target.credential.id;
    return headers;
  }

  double jitter() const { return attempt_jitter(req_.nonce, attempts_.size()); }

  HttpRequest req_;
  Caller caller_;
  std::shared_ptr<ClientProtocol> client_;
  std::string chat_body_;  // the mapped request, unless the client speaks chat
  std::unique_ptr<ClientStreamWriter> writer_;  // after the commit, unless the client speaks chat
  std::string engine_events_;                   // a chunk's engine events on their way to writer_
  openai::ChatRequest chat_;
  std::string request_id_;
  int64_t started_ms_ = 0;
  std::vector<std::string> models_;
  size_t model_index_ = 0;
  std::string model_id_;
  Route route_;
  billing::Prices reference_;
  std::vector<PlannedAttempt> plan_;
  size_t next_attempt_ = 0;
  AttemptInFlight at_;  // the attempt being made (or the last one made)
  bool reserved_ = false;  // the API key's reservation was taken (or tried)

  int64_t last_event_ms_ = 0;
  int upstream_status_ = 0;
  Json upstream_headers_ = Json::object();
  std::unique_ptr<UpstreamAdapter> adapter_;
  StreamTranslator* translator_ = nullptr;  // owned by adapter_
  bool stream_closed_ = false;              // translator_->finish() has run
  bool relaying_ = false;                   // committed, the stream not ended yet: relay_chunk applies
  std::string prefix_;
  std::string served_model_;
  std::string attempt_note_;  // for the current attempt's row

  std::vector<billing::AttemptRecord> attempts_;
  std::vector<Statement> health_writes_;
  routing::FailoverPolicy policy_;
};

}  // namespace

std::unique_ptr<Task> make_chat_task(Gateway& gateway, HttpRequest request, Caller caller, std::shared_ptr<ClientProtocol> client) {
  return std::make_unique<ChatTask>(gateway, std::move(request), std::move(caller), std::move(client));
}

}  // namespace keyaos::api
