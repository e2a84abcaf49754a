#include "api/adapters/google_v1internal_adapter.h"

#include "protocols/google_v1internal/completion_translator.h"
#include "protocols/google_v1internal/count_tokens.h"
#include "protocols/google_v1internal/credentials.h"
#include "protocols/google_v1internal/endpoints.h"
#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/google_v1internal/oauth.h"
#include "protocols/google_v1internal/project_discovery.h"
#include "protocols/google_v1internal/request_mapper.h"

namespace keyaos::api {
namespace gv = google_v1internal;
namespace {

constexpr int64_t kOnboardPollMs = 1000;  // gemini-cli polls onboarding every few seconds
constexpr int kMaxOnboardPolls = 20;

// The isolate's credential cache was emptied while this request waited.
UpstreamError lost_state() {
  return {ErrorClass::server, 502, "The credential state was lost during its refresh.", "upstream_error", "internal_error", -1};
}

bool retryable_on_next_host(const UpstreamError& e) {
  return e.error_class == ErrorClass::server || e.error_class == ErrorClass::network || e.error_class == ErrorClass::timeout;
}

}  // namespace

GoogleV1InternalAdapter::GoogleV1InternalAdapter(AttemptContext context) : OAuthAdapter(std::move(context)) {
  if (!gv::parse_product(ctx_.def->id, product_)) product_ = gv::Product::gemini_cli;
  upstream_model_ = gv::upstream_model_id(catalog::to_upstream_model_id(*ctx_.def, ctx_.offering.model_id, ctx_.offering.upstream_model_id));
}

bool GoogleV1InternalAdapter::load(OAuthEntry& entry, std::string_view plaintext, std::string& error) {
  gv::CredentialsParseResult parsed = gv::parse_credentials(plaintext, product_);
  if (!parsed.ok) {
    error = parsed.error;
    return false;
  }
  entry.state = std::make_unique<GoogleOAuthState>(std::move(parsed.credentials));
  return true;
}

bool GoogleV1InternalAdapter::usable(const OAuthEntry& entry, int64_t now_ms) const {
  const gv::Credentials* c = google_of(entry);
  return c && c->access_token_usable(now_ms) && !c->project_id.empty();
}

void GoogleV1InternalAdapter::forget_access_token(OAuthEntry& entry) {
  gv::Credentials* c = google_of(entry);
  if (!c) return;
  c->access_token.clear();
  c->access_token_expires_at_ms = 0;
}

std::string GoogleV1InternalAdapter::serialize(const OAuthEntry& entry) const {
  const gv::Credentials* c = google_of(entry);
  return c ? gv::serialize_credentials(*c) : std::string("{}");
}

Json GoogleV1InternalAdapter::public_state(const OAuthEntry& entry) const {
  const gv::Credentials* c = google_of(entry);
  if (!c) return Json::object();
  return {{"access_token_expires_at", c->access_token_expires_at_ms}, {"project_id", c->project_id}, {"base_url", c->base_url}};
}

std::vector<std::string> GoogleV1InternalAdapter::hosts(const OAuthEntry& entry) const {
  if (std::string base = api_override(); !base.empty()) return {base};
  std::vector<std::string> out;
  if (const gv::Credentials* c = google_of(entry); c && !c->base_url.empty()) out.push_back(c->base_url);
  for (std::string_view h : gv::base_urls(product_))
    if (out.empty() || out.front() != h) out.emplace_back(h);
  return out;
}

std::string GoogleV1InternalAdapter::access_token() const {
  OAuthEntry* e = ctx_.gw->oauth().get(ctx_.credential.id);
  const gv::Credentials* c = e ? google_of(*e) : nullptr;
  return c ? c->access_token : std::string();
}

PrepareStep GoogleV1InternalAdapter::setup(OAuthEntry& entry, int64_t now_ms) {
  if (!google_of(entry)->access_token_usable(now_ms)) return refresh(now_ms);
  return discover(0, false, now_ms);
}

PrepareStep GoogleV1InternalAdapter::refresh(int64_t now_ms) {
  OAuthEntry* e = entry();
  if (!e || !google_of(*e)) return fail_setup(lost_state(), now_ms);
  std::string origin = oauth_override();
  UpstreamRequest request = gv::build_refresh_request(product_, google_of(*e)->refresh_token, origin.empty() ? gv::kGoogleTokenOrigin : std::string_view(origin));
  return http(request, [this](int status, const std::string& body, int64_t now) {
    gv::RefreshResult refreshed = gv::parse_refresh_response(status, body, now);
    if (!refreshed.ok)
      return refreshed.error.error_class == ErrorClass::auth ? refresh_refused(refreshed.error, now) : fail_setup(refreshed.error, now);
    OAuthEntry* e = this->entry();
    if (!e || !google_of(*e)) return fail_setup(lost_state(), now);
    gv::apply_refresh(*google_of(*e), refreshed);
    if (google_of(*e)->project_id.empty()) return discover(0, true, now);
    return finish_setup(true, now);
  });
}

PrepareStep GoogleV1InternalAdapter::discover(size_t host, bool changed, int64_t now_ms) {
  OAuthEntry* e = entry();
  if (!e || !google_of(*e)) return fail_setup(lost_state(), now_ms);
  if (!google_of(*e)->project_id.empty()) return finish_setup(changed, now_ms);
  std::vector<std::string> bases = hosts(*e);
  if (host >= bases.size()) host = bases.size() - 1;
  const std::string base = bases[host];
  UpstreamRequest request;
  request.method = "POST";
  request.url = gv::method_url(base, "loadCodeAssist");
  request.headers = gv::control_plane_headers(product_, google_of(*e)->access_token);
  request.body = gv::build_load_code_assist_body(product_);
  return http(request, [this, host, base, n = bases.size()](int status, const std::string& body, int64_t now) {
    gv::LoadCodeAssistResult loaded = gv::parse_load_code_assist(status, body, now);
    if (!loaded.ok) {
      if (retryable_on_next_host(loaded.error) && host + 1 < n) return discover(host + 1, true, now);
      return fail_setup(loaded.error, now);
    }
    if (loaded.onboarded && !loaded.project_id.empty()) return discovered(base, loaded.project_id, now);
    if (loaded.onboarded || loaded.tier_needs_user_project)
      return fail_setup({ErrorClass::auth, 403, "This Google account needs its own Google Cloud project for Code Assist, which Keyaos cannot choose.",
                         "upstream_error", "project_required", -1}, now);
    return onboard(base, loaded.tier_id, now);
  });
}

PrepareStep GoogleV1InternalAdapter::onboard(const std::string& base, const std::string& tier_id, int64_t now_ms) {
  OAuthEntry* e = entry();
  if (!e || !google_of(*e)) return fail_setup(lost_state(), now_ms);
  UpstreamRequest request;
  request.method = "POST";
  request.url = gv::method_url(base, "onboardUser");
  request.headers = gv::control_plane_headers(product_, google_of(*e)->access_token);
  request.body = gv::build_onboard_user_body(product_, tier_id.empty() ? gv::kFreeTierId : std::string_view(tier_id));
  return http(request, [this, base](int status, const std::string& body, int64_t now) {
    gv::OnboardOperation op = gv::parse_onboard_operation(status, body, now);
    if (!op.ok) return fail_setup(op.error, now);
    if (op.done) return discovered(base, op.project_id, now);
    return poll(base, op.name, 0, now);
  });
}

PrepareStep GoogleV1InternalAdapter::poll(const std::string& base, const std::string& operation, int polls, int64_t now_ms) {
  if (polls >= kMaxOnboardPolls || operation.empty())
    return fail_setup({ErrorClass::timeout, 504, "Google did not finish onboarding the account in time.", "upstream_error", "onboarding_timeout", -1}, now_ms);
  return sleep_then(kOnboardPollMs, [this, base, operation, polls](int64_t now) {
    OAuthEntry* e = this->entry();
    if (!e || !google_of(*e)) return fail_setup(lost_state(), now);
    UpstreamRequest request;
    request.method = "GET";
    request.url = gv::operation_url(base, operation);
    request.headers = gv::control_plane_headers(product_, google_of(*e)->access_token);
    return http(request, [this, base, operation, polls](int status, const std::string& body, int64_t now2) {
      gv::OnboardOperation op = gv::parse_onboard_operation(status, body, now2);
      if (!op.ok) return fail_setup(op.error, now2);
      if (op.done) return discovered(base, op.project_id, now2);
      return poll(base, op.name.empty() ? operation : op.name, polls + 1, now2);
    });
  });
}

PrepareStep GoogleV1InternalAdapter::discovered(const std::string& base, const std::string& project_id, int64_t now_ms) {
  if (project_id.empty())
    return fail_setup({ErrorClass::auth, 403, "Google onboarded the account without a Code Assist project.", "upstream_error", "project_required", -1}, now_ms);
  OAuthEntry* e = entry();
  if (!e || !google_of(*e)) return fail_setup(lost_state(), now_ms);
  google_of(*e)->project_id = project_id;
  if (api_override().empty()) google_of(*e)->base_url = base;
  return finish_setup(true, now_ms);
}

PrepareStep GoogleV1InternalAdapter::on_ready(const OAuthEntry& entry, int64_t now_ms) {
  const gv::Credentials& c = *google_of(entry);
  gv::RequestMappingOptions options;
  options.product = product_;
  options.project_id = c.project_id;
  options.model = upstream_model_;
  options.request_uuid = uuid(1);
  options.now_ms = now_ms;
  options.thought_signatures = &entry.call_signatures;
  gv::MappedRequest mapped = gv::map_chat_request(ctx_.client_body, options);
  if (!mapped.ok) return PrepareStep::fail(mapped.error);
  body_ = std::move(mapped.body);
  access_token_ = c.access_token;
  std::string base = api_override();
  if (base.empty()) base = !c.base_url.empty() ? c.base_url : std::string(gv::base_urls(product_).front());
  base_url_ = base;
  return PrepareStep::ready();
}

Action GoogleV1InternalAdapter::chat_fetch(int64_t) {
  const bool stream = ctx_.chat->stream;
  UpstreamRequest request;
  request.method = "POST";
  request.url = gv::generate_url(base_url_, stream);
  request.headers = gv::generate_headers(product_, access_token_, upstream_model_);
  request.body = std::move(body_);
  access_token_.assign(access_token_.size(), '\0');
  return fetch_action(request, ctx_.gw->config().timeouts.headers_ms);
}

Action GoogleV1InternalAdapter::count_tokens_fetch(int64_t) {
  UpstreamRequest request;
  request.method = "POST";
  request.url = gv::method_url(base_url_, "countTokens");
  request.headers = gv::generate_headers(product_, access_token_, upstream_model_);
  request.body = gv::count_tokens_body(body_, upstream_model_);
  access_token_.assign(access_token_.size(), '\0');
  return fetch_action(request, ctx_.gw->config().timeouts.headers_ms);
}

int64_t GoogleV1InternalAdapter::token_count(std::string_view body) const { return gv::read_total_tokens(body); }

gv::TranslationOptions GoogleV1InternalAdapter::translation(int64_t now_ms) const {
  gv::TranslationOptions o;
  o.id = ctx_.response_id;
  o.created_s = now_ms / 1000;
  o.model = ctx_.offering.model_id;
  o.now_ms = now_ms;
  return o;
}

StreamTranslator& GoogleV1InternalAdapter::start_stream(int64_t now_ms) {
  stream_ = std::make_unique<gv::GoogleStreamTranslator>(translation(now_ms));
  return *stream_;
}

BodyResult GoogleV1InternalAdapter::translate_body(int http_status, std::string_view body, int64_t now_ms) {
  gv::CompletionResult done = gv::translate_generate_content(http_status, body, translation(now_ms));
  BodyResult r;
  r.ok = done.ok;
  r.body = std::move(done.body);
  r.usage = done.usage;
  r.served_model = upstream_model_;
  r.error = std::move(done.error);
  body_signatures_ = std::move(done.thought_signatures);
  return r;
}

void GoogleV1InternalAdapter::answered() {
  constexpr size_t kMaxSignatures = 512;
  const gv::ThoughtSignatures& fresh = stream_ ? stream_->thought_signatures() : body_signatures_;
  OAuthEntry* e = entry();
  if (!e || fresh.empty()) return;
  if (e->call_signatures.size() + fresh.size() > kMaxSignatures) e->call_signatures.clear();
  for (const auto& [id, signature] : fresh) e->call_signatures[id] = signature;
}

UpstreamError GoogleV1InternalAdapter::classify_error(int http_status, std::string_view body, const Json&, int64_t now_ms) {
  return gv::classify_error(http_status, body, now_ms);
}

}  // namespace keyaos::api
