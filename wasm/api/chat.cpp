#include "api/chat.h"

#include <algorithm>
#include <cstdio>

#include "billing/cost.h"
#include "billing/ledger.h"
#include "protocols/common/openai_chunks.h"
#include "protocols/openai/chat_request.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/sse_scanner.h"
#include "protocols/openai/usage.h"
#include "routing/ranking.h"

namespace keyaos::api {
namespace {

// Bytes of a stream read before the response is committed when no content
// appears (a very long role/preamble chunk): past this we stop waiting.
constexpr size_t kMaxProbeBytes = 256 * 1024;
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

struct PlannedAttempt {
  routing::Offering offering;
  routing::Credential credential;
  double expected_cost_usd = 0;
};

std::string format_usd(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9f", usd);
  return buf;
}

// How much an error tells the client, to pick the one to report when all fail.
int error_rank(const UpstreamError& e) {
  switch (e.error_class) {
    case ErrorClass::rate_limited: return 1;
    case ErrorClass::quota_exhausted: return 2;
    case ErrorClass::network: return 3;
    case ErrorClass::timeout: return 4;
    case ErrorClass::stream: return 5;
    case ErrorClass::server: return 6;
    case ErrorClass::payment: return 7;
    case ErrorClass::auth: return 8;
    default: return 9;
  }
}

class ChatTask : public Task {
 public:
  ChatTask(Gateway& gw, HttpRequest req, Caller caller) : gw_(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    started_ms_ = req_.now_ms;
    request_id_ = "req_" + req_.nonce;
    ApiError error;
    if (!openai::parse_chat_request(req_.body, chat_, error)) return error_response(error);
    models_.push_back(chat_.model);
    for (const auto& m : chat_.fallback_models)
      if (ascii_lower(m) != ascii_lower(chat_.model)) models_.push_back(m);
    return load_routing();
  }

 private:
  // ---- routing table -------------------------------------------------------
  Action load_routing() {
    const std::string& requested = models_[model_index_];
    const int64_t now = req_.now_ms;
    std::vector<Statement> batch;
    bool check_seed = !gw_.seed_checked(), load_owner = !gw_.owner_fresh(caller_.owner_id, now),
         load_offers = gw_.offerings(requested, now) == nullptr;
    if (check_seed) batch.push_back(Gateway::seed_version_statement());
    if (load_owner)
      for (auto& s : Gateway::load_owner_statements(caller_.owner_id, now)) batch.push_back(std::move(s));
    if (load_offers) batch.push_back(Gateway::load_offerings_statement(requested));
    if (batch.empty()) return plan();  // warm path: no D1 round trip
    return run_sql(std::move(batch), [this, check_seed, load_owner, load_offers, requested](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("The gateway database is unavailable: " + r.error));
      size_t i = 0;
      bool seed_stale = false;
      if (check_seed) {
        const Json& rows = r.at(i++);
        seed_stale = rows.empty() || str_field(rows[0], "value") != gw_.seed_version();
        if (!seed_stale) gw_.mark_seeded();
      }
      if (load_owner) {
        const Json& creds = r.at(i++);
        const Json& cools = r.at(i++);
        gw_.store_owner(caller_.owner_id, creds, cools, req_.now_ms);
      }
      if (seed_stale) return seed_catalog();
      if (load_offers) gw_.store_offerings(requested, r.at(i++), req_.now_ms);
      return plan();
    });
  }

  Action seed_catalog() {
    auto batch = gw_.seed_statements(req_.now_ms);
    batch.push_back(Gateway::load_offerings_statement(models_[model_index_]));
    return run_sql(std::move(batch), [this](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not load the model catalogue: " + r.error));
      gw_.mark_seeded();
      gw_.invalidate_offerings();
      gw_.store_offerings(models_[model_index_], r.at(r.rows.size() - 1), req_.now_ms);
      return plan();
    });
  }

  Action plan() {
    const std::string& requested = models_[model_index_];
    const Gateway::OfferingCache* cache = gw_.offerings(requested, req_.now_ms);
    std::vector<routing::Offering> rows = cache ? cache->rows : std::vector<routing::Offering>{};
    routing::ModelMatch match = routing::resolve_model(requested, rows);
    if (match.model_id.empty()) {
      if (!match.ambiguous.empty()) {
        std::string list;
        for (const auto& m : match.ambiguous) list += (list.empty() ? "" : ", ") + m;
        return next_model_or(ApiError::bad_request("Model '" + requested + "' is ambiguous; use one of: " + list + ".",
                                                   "ambiguous_model", "model"));
      }
      return next_model_or(ApiError{404, "The model '" + requested + "' does not exist in the catalogue.",
                                    "invalid_request_error", "model_not_found", "model"});
    }
    model_id_ = match.model_id;
    offerings_.clear();
    for (auto& o : rows)
      if (o.model_id == model_id_) offerings_.push_back(o);
    reference_ = {};
    for (const auto& o : offerings_)
      if (o.provider_id == "openrouter") reference_ = o.prices;

    routing::RankInput in;
    in.offerings = &offerings_;
    in.credentials = &gw_.owner(caller_.owner_id).credentials;
    in.preferences = &chat_.providers;
    in.prompt_tokens = billing::estimate_tokens_from_bytes(chat_.prompt_bytes);
    in.output_tokens = chat_.max_output_tokens.value_or(routing::kDefaultExpectedOutputTokens);
    in.rotation = gw_.next_rotation();
    in.now_ms = req_.now_ms;
    routing::Ranking ranking = routing::rank(in, gw_.health());
    plan_.clear();
    next_attempt_ = 0;
    for (const auto& c : ranking.candidates) plan_.push_back({*c.offering, *c.credential, c.expected_cost_usd});
    // Everything cooling down: try the one that recovers soonest rather than refuse outright.
    if (plan_.empty() && !ranking.cooling.empty()) {
      const auto& c = ranking.cooling.front();
      plan_.push_back({*c.offering, *c.credential, c.expected_cost_usd});
    }
    if (plan_.empty()) {
      std::string why;
      for (const auto& s : ranking.skipped)
        why += (why.empty() ? "" : "; ") + s.provider_id + (s.credential_id.empty() ? "" : "/" + s.credential_id) + ": " + s.reason;
      return next_model_or(ApiError{503, "No upstream can serve '" + model_id_ + "' right now (" + (why.empty() ? "no provider offers it" : why) + ").",
                                    "service_unavailable", "no_available_credential", {}});
    }
    return attempt();
  }

  // The `models` fallback list: move on to the next model, or answer `error`.
  Action next_model_or(const ApiError& error) {
    if (model_index_ + 1 < models_.size()) {
      ++model_index_;
      return load_routing();
    }
    if (!attempts_.empty() && have_error_) return answer_upstream_failure();
    return error_response(error);
  }

  // ---- attempts ------------------------------------------------------------
  Action attempt() {
    if (next_attempt_ >= plan_.size()) return next_model_or(ApiError{503, "All upstreams failed.", "service_unavailable", "upstreams_failed", {}});
    current_ = plan_[next_attempt_++];
    const catalog::ProviderDef* def = gw_.provider(current_.offering.provider_id);
    if (!def || def->protocol != catalog::Protocol::openai) {
      record_failure({ErrorClass::server, 501, "provider protocol is not available in this version", "server_error", "unsupported_protocol", -1}, false);
      return attempt();
    }
    attempt_started_ms_ = last_event_ms_ = now_of_last_event();
    scanner_ = std::make_unique<openai::SseScanner>();
    prefix_.clear();
    first_byte_ms_ = -1;

    std::string upstream_model = catalog::to_upstream_model_id(*def, current_.offering.model_id, current_.offering.upstream_model_id);
    Json headers = {{"content-type", "application/json"},
                    {"accept", chat_.stream ? "text/event-stream" : "application/json"},
                    {"authorization", "Bearer ${secret}"}};
    for (const auto& [k, v] : def->extra_headers) headers[ascii_lower(k)] = v;
    Action a;
    a.head = {{"type", "fetch"},
              {"url", gw_.base_url(*def) + "/chat/completions"},
              {"method", "POST"},
              {"headers", headers},
              {"credential", {{"id", current_.credential.id}, {"ciphertext", current_.credential.ciphertext}}},
              {"timeouts", {{"headers_ms", gw_.config().timeouts.headers_ms}}}};
    a.payload = openai::upstream_chat_body(chat_, upstream_model);
    return then(std::move(a), [this](const Event& ev) { return on_head(ev); });
  }

  int64_t now_of_last_event() const { return last_event_ms_ ? last_event_ms_ : req_.now_ms; }

  Action on_head(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == "upstream_error") return fail_transport(ev);
    upstream_status_ = static_cast<int>(int_field(ev.head, "status"));
    upstream_headers_ = ev.head.contains("headers") ? ev.head["headers"] : Json::object();
    Action a;
    if (upstream_status_ >= 200 && upstream_status_ < 300) {
      if (chat_.stream) return read_chunk();
      a.head = {{"type", "read_body"}, {"timeout_ms", gw_.config().timeouts.idle_ms}};
      return then(std::move(a), [this](const Event& e) { return on_body(e); });
    }
    a.head = {{"type", "read_body"}, {"max_bytes", kMaxErrorBodyBytes}, {"timeout_ms", gw_.config().timeouts.idle_ms}};
    return then(std::move(a), [this](const Event& e) {
      last_event_ms_ = e.now_ms();
      if (e.type == "upstream_error") return fail_transport(e);
      return fail(openai::classify_http_error(upstream_status_, e.payload, str_field(upstream_headers_, "retry-after"), e.now_ms()));
    });
  }

  Action fail_transport(const Event& ev) {
    bool timeout = str_field(ev.head, "kind") == "timeout";
    UpstreamError e{timeout ? ErrorClass::timeout : ErrorClass::network, timeout ? 504 : 502,
                    "Upstream " + current_.offering.provider_id + ": " + str_field(ev.head, "message", "connection failed"),
                    "upstream_error", timeout ? "upstream_timeout" : "upstream_unreachable", -1};
    return fail(e);
  }

  // Non-streaming success path.
  Action on_body(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == "upstream_error") return fail_transport(ev);
    first_byte_ms_ = ev.now_ms() - attempt_started_ms_;
    Json probe = parse_json(ev.payload);
    if (probe.is_discarded() || !probe.is_object())
      return fail({ErrorClass::stream, 502, "Upstream " + current_.offering.provider_id + " answered with a body that is not JSON.",
                   "upstream_error", "malformed_response", -1});
    if (const Json* err = field(probe, "error"); err && !err->is_null())
      return fail(openai::classify_stream_error(dump_json(*err)));
    Usage usage;
    openai::usage_from_completion(ev.payload, usage);
    if (!usage.present) {
      usage.prompt_tokens = billing::estimate_tokens_from_bytes(chat_.prompt_bytes);
      std::string content;
      if (const Json* choices = field(probe, "choices"); choices && choices->is_array())
        for (const auto& c : *choices)
          if (const Json* m = field(c, "message")) content += str_field(*m, "content");
      usage.completion_tokens = billing::estimate_tokens_from_bytes(static_cast<int64_t>(content.size()));
      usage.estimated = true;
    }
    served_model_ = str_field(probe, "model");
    Json headers = client_headers("application/json");
    auto writes = succeed(usage, ev.now_ms(), false);
    return respond_action(upstream_status_, headers, ev.payload, std::move(writes));
  }

  // ---- streaming -----------------------------------------------------------
  Action read_chunk() {
    Action a;
    a.head = {{"type", "read_chunk"},
              {"timeout_ms", prefix_.empty() ? gw_.config().timeouts.first_token_ms : gw_.config().timeouts.idle_ms}};
    return then(std::move(a), [this](const Event& e) { return on_probe(e); });
  }

  // Before the first content byte reaches the client, any failure can still
  // fail over; so the stream is read here until content shows up.
  Action on_probe(const Event& ev) {
    last_event_ms_ = ev.now_ms();
    if (ev.type == "upstream_error") return fail_transport(ev);
    if (first_byte_ms_ < 0) first_byte_ms_ = ev.now_ms() - attempt_started_ms_;
    if (ev.type == "upstream_end") {
      scanner_->end();
      if (scanner_->failed()) return fail(scanner_->error());
      if (scanner_->finished()) return commit();
      return fail({ErrorClass::stream, 502, "Upstream " + current_.offering.provider_id + " closed the stream before sending any content.",
                   "upstream_error", "empty_stream", -1});
    }
    scanner_->feed(ev.payload);
    prefix_ += ev.payload;
    if (scanner_->failed()) return cancel_then_fail(scanner_->error());
    if (scanner_->content_started() || scanner_->finished() || prefix_.size() > kMaxProbeBytes) return commit();
    return read_chunk();
  }

  Action cancel_then_fail(UpstreamError e) {
    Action a;
    a.head = {{"type", "cancel_upstream"}};
    return then(std::move(a), [this, e](const Event&) { return fail(e); });
  }

  Action commit() {
    Json headers = client_headers("text/event-stream; charset=utf-8");
    headers["cache-control"] = "no-cache";
    Action a;
    a.head = {{"type", "commit_stream"}, {"status", upstream_status_}, {"headers", headers}};
    a.payload = prefix_;
    return then(std::move(a), [this](const Event& e) { return on_stream_end(e); });
  }

  // The stream has ended (or the client left). Decide how the client's stream
  // closes and write the ledger.
  Action on_stream_end(const Event& ev) {
    scanner_->feed(ev.payload);
    scanner_->end();
    const bool client_aborted = bool_field(ev.head, "client_aborted");
    std::string append;
    std::vector<Statement> writes;
    served_model_ = scanner_->model();
    if (scanner_->failed()) {
      // The upstream's error event already reached the client as it was sent.
      writes = record_stream_failure(scanner_->error(), ev.now_ms(), client_aborted);
    } else if (!scanner_->finished()) {
      std::string upstream_error = str_field(ev.head, "upstream_error");
      UpstreamError e{ErrorClass::stream, 502,
                      upstream_error.empty() ? "The upstream stream ended before the answer was complete."
                                             : "The upstream stream broke before the answer was complete: " + upstream_error,
                      "upstream_error", "stream_truncated", -1};
      OpenAIChunkWriter::error_event(e, append);  // and no [DONE]: a cut answer must not look complete
      writes = record_stream_failure(e, ev.now_ms(), client_aborted);
    } else {
      if (!scanner_->done()) OpenAIChunkWriter::done(append);
      Usage usage = scanner_->usage();
      if (!usage.present) {
        usage.prompt_tokens = billing::estimate_tokens_from_bytes(chat_.prompt_bytes);
        usage.completion_tokens = billing::estimate_tokens_from_bytes(scanner_->output_chars());
        usage.estimated = true;
      }
      writes = succeed(usage, ev.now_ms(), client_aborted);
    }
    Action a;
    a.head = {{"type", "finish"}, {"background", statements_json(writes)}};
    a.payload = std::move(append);
    return a;
  }

  std::vector<Statement> record_stream_failure(const UpstreamError& e, int64_t now, bool client_aborted) {
    record_attempt(false, e, now);
    std::vector<Statement> writes = health_writes_;
    gw_.health().failure(current_.credential.id, current_.offering.model_id, e, now, jitter(), writes);
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
  Action fail(const UpstreamError& e) {
    record_failure(e, true);
    if (!error_class_fails_over(e.error_class)) {
      // The client's own problem: another upstream would say the same.
      last_error_ = e;
      have_error_ = true;
      return answer_upstream_failure();
    }
    if (e.error_class == ErrorClass::server && e.http_status == 500 && !retried_same_) {
      retried_same_ = true;  // one retry of the same credential on a first 500
      --next_attempt_;
    }
    return attempt();
  }

  void record_failure(const UpstreamError& e, bool update_health) {
    int64_t now = now_of_last_event();
    record_attempt(false, e, now);
    if (!have_error_ || error_rank(e) >= error_rank(last_error_)) {
      // Prefer the most informative error; among rate limits, the soonest retry.
      if (!(have_error_ && e.error_class == ErrorClass::rate_limited && last_error_.error_class == ErrorClass::rate_limited &&
            last_error_.retry_after_ms >= 0 && (e.retry_after_ms < 0 || e.retry_after_ms > last_error_.retry_after_ms)))
        last_error_ = e;
      have_error_ = true;
    }
    if (e.error_class == ErrorClass::rate_limited) any_rate_limited_ = true;
    else if (error_class_fails_over(e.error_class)) all_rate_limited_ = false;
    if (!update_health) return;
    if (e.error_class == ErrorClass::auth || e.error_class == ErrorClass::payment) {
      std::string reason = std::string(error_class_name(e.error_class)) + ": " + e.message.substr(0, 200);
      Statement s;
      s.sql = "UPDATE credentials SET health = 'dead', dead_reason = ?, updated_at = ? WHERE id = ?";
      s.params = Json::array({reason, now, current_.credential.id});
      health_writes_.push_back(std::move(s));
      for (auto& c : gw_.owner(caller_.owner_id).credentials)
        if (c.id == current_.credential.id) {
          c.dead = true;
          c.dead_reason = reason;
        }
    } else if (error_class_fails_over(e.error_class)) {
      gw_.health().failure(current_.credential.id, current_.offering.model_id, e, now, jitter(), health_writes_);
    }
  }

  void record_attempt(bool ok, const UpstreamError& e, int64_t now) {
    billing::AttemptRecord a;
    a.provider_id = current_.offering.provider_id;
    a.credential_id = current_.credential.id;
    a.model_id = current_.offering.model_id;
    a.ok = ok;
    a.http_status = ok ? upstream_status_ : (e.http_status ? e.http_status : upstream_status_);
    if (!ok) {
      a.error_class = error_class_name(e.error_class);
      a.error_message = e.message;
    }
    a.latency_ms = now - attempt_started_ms_;
    a.first_byte_ms = first_byte_ms_;
    a.started_at = attempt_started_ms_;
    attempts_.push_back(std::move(a));
  }

  // Every candidate failed (or the error is the client's): report the most
  // informative upstream answer with the attempts, never a bare "no key".
  Action answer_upstream_failure() {
    UpstreamError e = last_error_;
    int status = e.http_status >= 400 ? e.http_status : 502;
    Json headers = Json::object();
    if (error_class_fails_over(e.error_class)) {
      if (all_rate_limited_ && any_rate_limited_) {
        status = 429;
        int64_t soonest = -1;
        if (e.retry_after_ms >= 0) soonest = e.retry_after_ms;
        headers["retry-after"] = std::to_string(soonest >= 0 ? (soonest + 999) / 1000 : 30);
      } else if (e.error_class == ErrorClass::auth || e.error_class == ErrorClass::payment) {
        status = 502;  // our upstream credentials failed, not the client's
      } else if (status < 500) {
        status = 502;
      }
    }
    std::string trail;
    for (size_t i = 0; i < attempts_.size(); ++i) {
      const auto& a = attempts_[i];
      trail += (i ? "; " : "") + a.provider_id + " " + (a.http_status ? std::to_string(a.http_status) : std::string("-")) + " " + a.error_class;
    }
    ApiError err;
    err.status = status;
    err.message = e.message + (attempts_.size() > 1 || error_class_fails_over(e.error_class) ? " [attempts: " + trail + "]" : "");
    err.type = e.type.empty() ? "upstream_error" : e.type;
    err.code = e.code.empty() ? std::string(error_class_name(e.error_class)) : e.code;
    headers["x-keyaos-attempts"] = std::to_string(attempts_.size());
    headers["x-request-id"] = request_id_;
    billing::RequestRecord r = base_record(now_of_last_event());
    r.ok = false;
    r.http_status = status;
    r.error_class = error_class_name(e.error_class);
    r.error_message = e.message;
    std::vector<Statement> writes = health_writes_;
    auto ledger = billing::ledger_statements(r, attempts_);
    writes.insert(writes.end(), ledger.begin(), ledger.end());
    headers["content-type"] = "application/json";
    return respond_action(status, headers, err.body(), std::move(writes));
  }

  std::vector<Statement> succeed(const Usage& usage, int64_t now, bool client_aborted) {
    UpstreamError none;
    record_attempt(true, none, now);
    std::vector<Statement> writes = health_writes_;
    gw_.health().success(current_.credential.id, current_.offering.model_id, writes);
    billing::RequestRecord r = base_record(now);
    r.ok = true;
    r.http_status = upstream_status_;
    r.usage = usage;
    r.client_aborted = client_aborted;
    r.cost = billing::compute_cost(usage, current_.offering.prices, reference_, current_.credential.multiplier);
    for (auto& c : gw_.owner(caller_.owner_id).credentials)
      if (c.id == current_.credential.id && c.quota) c.quota = std::max<int64_t>(*c.quota - r.cost.effective, 0);
    auto ledger = billing::ledger_statements(r, attempts_);
    writes.insert(writes.end(), ledger.begin(), ledger.end());
    return writes;
  }

  billing::RequestRecord base_record(int64_t now) const {
    billing::RequestRecord r;
    r.id = request_id_;
    r.owner_id = caller_.owner_id;
    r.api_key_id = caller_.api_key_id;
    r.model_id = model_id_.empty() ? ascii_lower(chat_.model) : model_id_;
    r.served_model = served_model_;
    if (!attempts_.empty()) {
      r.provider_id = current_.offering.provider_id;
      r.credential_id = current_.credential.id;
    }
    r.cost.multiplier = current_.credential.multiplier;
    r.stream = chat_.stream;
    r.latency_ms = now - started_ms_;
    r.first_byte_ms = first_byte_ms_ >= 0 ? attempt_started_ms_ + first_byte_ms_ - started_ms_ : -1;
    r.created_at = started_ms_;
    return r;
  }

  Json client_headers(const char* content_type) const {
    return {{"content-type", content_type},
            {"x-request-id", request_id_},
            {"x-keyaos-provider", current_.offering.provider_id},
            {"x-keyaos-credential", current_.credential.hint},
            {"x-keyaos-model", current_.offering.model_id},
            {"x-keyaos-attempts", std::to_string(attempts_.size() + 1)},
            {"x-keyaos-cost-estimate", format_usd(current_.expected_cost_usd)}};
  }

  // A jitter in [0,1) from the request's random nonce and the attempt number.
  double jitter() const {
    uint32_t h = 2166136261u;
    for (char c : req_.nonce) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    h = (h ^ static_cast<uint32_t>(attempts_.size())) * 16777619u;
    return (h % 10000) / 10000.0;
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  openai::ChatRequest chat_;
  std::string request_id_;
  int64_t started_ms_ = 0;
  std::vector<std::string> models_;
  size_t model_index_ = 0;
  std::string model_id_;
  std::vector<routing::Offering> offerings_;
  billing::Prices reference_;
  std::vector<PlannedAttempt> plan_;
  size_t next_attempt_ = 0;
  PlannedAttempt current_;
  bool retried_same_ = false;

  int64_t attempt_started_ms_ = 0;
  int64_t last_event_ms_ = 0;
  int64_t first_byte_ms_ = -1;
  int upstream_status_ = 0;
  Json upstream_headers_ = Json::object();
  std::unique_ptr<openai::SseScanner> scanner_;
  std::string prefix_;
  std::string served_model_;

  std::vector<billing::AttemptRecord> attempts_;
  std::vector<Statement> health_writes_;
  UpstreamError last_error_;
  bool have_error_ = false;
  bool any_rate_limited_ = false;
  bool all_rate_limited_ = true;
};

}  // namespace

std::unique_ptr<Task> make_chat_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<ChatTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
