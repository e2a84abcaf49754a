#include "api/adapters/kiro_adapter.h"

#include "protocols/kiro/api_request.h"
#include "protocols/kiro/credentials.h"
#include "protocols/kiro/errors.h"
#include "protocols/kiro/models.h"
#include "protocols/kiro/request_mapper.h"
#include "protocols/kiro/token_estimate.h"
#include "protocols/kiro/token_refresh.h"

namespace keyaos::api {
namespace {

kiro::Credential* kiro_of(OAuthEntry& e) { return e.opened<kiro::Credential>(); }
const kiro::Credential* kiro_of(const OAuthEntry& e) { return e.opened<kiro::Credential>(); }

std::string hex64(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = digits[v & 0xF];
  return out;
}

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

KiroAdapter::KiroAdapter(AttemptContext context) : OAuthAdapter(std::move(context)) {
  kiro_model_ = kiro::kiro_model_id(catalog::to_upstream_model_id(*ctx_.def, ctx_.offering.model_id, ctx_.offering.upstream_model_id));
  invocation_id_ = uuid(2);
}

std::string KiroAdapter::machine_id(const OAuthEntry& entry) const {
  if (const kiro::Credential* c = kiro_of(entry); c && kiro::is_header_safe_id(c->machine_id) && !c->machine_id.empty()) return c->machine_id;
  // Derived from the credential id, so the same credential always presents the same machine.
  std::string out;
  for (uint64_t seed : {1469598103934665603ULL, 0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL})
    out += hex64(fnv1a(ctx_.credential.id, fnv1a("kiro-machine", seed)));
  return out;
}

bool KiroAdapter::load(OAuthEntry& entry, std::string_view plaintext, std::string& error) {
  kiro::CredentialParseResult parsed = kiro::parse_credential(plaintext);
  if (!parsed.ok) {
    error = parsed.error;
    return false;
  }
  entry.open(std::move(parsed.credential));
  return true;
}

bool KiroAdapter::usable(const OAuthEntry& entry, int64_t now_ms) const {
  const kiro::Credential* c = kiro_of(entry);
  return c && c->access_token_fresh(now_ms);
}

void KiroAdapter::forget_access_token(OAuthEntry& entry) {
  kiro::Credential* c = kiro_of(entry);
  if (!c) return;
  c->access_token.clear();
  c->access_token_expires_at_ms = 0;
}

std::string KiroAdapter::serialize(const OAuthEntry& entry) const {
  const kiro::Credential* c = kiro_of(entry);
  return c ? kiro::serialize_credential(*c) : std::string("{}");
}

Json KiroAdapter::public_state(const OAuthEntry& entry) const {
  const kiro::Credential* c = kiro_of(entry);
  if (!c) return Json::object();
  return {{"access_token_expires_at", c->access_token_expires_at_ms},
          {"auth_method", kiro::auth_method_name(c->auth_method)},
          {"region", c->region}};
}

PrepareStep KiroAdapter::setup(OAuthEntry& entry, int64_t now_ms) {
  machine_id_ = machine_id(entry);
  const std::string origin = oauth_override();
  kiro::RefreshOptions options;
  options.token_origin = origin;
  options.machine_id = machine_id_;
  options.invocation_id = invocation_id_;
  UpstreamRequest request;
  std::string error;
  if (!kiro::build_refresh_request(*kiro_of(entry), options, request, error))
    return fail_setup({ErrorClass::auth, 401, "The Kiro credential cannot be refreshed: " + error, "upstream_error", "invalid_credential", -1}, now_ms);
  return http(request, [this](int status, const std::string& body, int64_t now) {
    kiro::RefreshOutcome outcome = kiro::parse_refresh_response(status, body, now);
    if (!outcome.ok)
      return outcome.error.error_class == ErrorClass::auth ? refresh_refused(outcome.error, now) : fail_setup(outcome.error, now);
    OAuthEntry* e = this->entry();
    if (!e || !kiro_of(*e)) return fail_setup({ErrorClass::server, 502, "The credential state was lost during its refresh.", "upstream_error", "internal_error", -1}, now);
    kiro::apply_refresh(*kiro_of(*e), outcome);
    // Always stored: a rotated refresh token must not be lost, and the new
    // access token spares a restarted isolate a refresh.
    return finish_setup(true, now);
  });
}

PrepareStep KiroAdapter::on_ready(const OAuthEntry& entry, int64_t now_ms) {
  const kiro::Credential& c = *kiro_of(entry);
  if (machine_id_.empty()) machine_id_ = machine_id(entry);
  const std::string conversation = uuid(3);
  kiro::RequestOptions options;
  options.conversation_id = conversation;
  options.profile_arn = c.profile_arn;
  options.model = kiro_model_;
  kiro::MappedRequest mapped = kiro::map_chat_request(ctx_.client_body, options);
  if (!mapped.ok) return PrepareStep::fail({ErrorClass::bad_request, 400, mapped.error, "invalid_request_error", "unsupported_request", -1});
  kiro::ApiRequestOptions api;
  const std::string origin = api_override();
  api.api_origin = origin;
  api.machine_id = machine_id_;
  api.invocation_id = invocation_id_;
  std::string error;
  request_ = UpstreamRequest{};
  if (!kiro::build_generate_request(c, std::move(mapped.body), api, request_, error))
    return PrepareStep::fail({ErrorClass::auth, 401, "The Kiro request could not be built: " + error, "upstream_error", "invalid_credential", -1});
  reply_ = kiro::ReplyOptions{};
  reply_.response_id = ctx_.response_id;
  reply_.created_s = now_ms / 1000;
  reply_.model = ctx_.offering.model_id;
  reply_.context_window = kiro::context_window(mapped.model_id);
  reply_.prompt_tokens_estimate = mapped.prompt_tokens_estimate;
  reply_.thinking = mapped.thinking;
  reply_.now_ms = now_ms;
  return PrepareStep::ready();
}

Action KiroAdapter::chat_fetch(int64_t) {
  Action a = fetch_action(request_, ctx_.gw->config().timeouts.headers_ms);
  request_ = UpstreamRequest{};  // the access token is not kept past the call
  return a;
}

StreamTranslator& KiroAdapter::start_stream(int64_t now_ms) {
  reply_.now_ms = now_ms;
  stream_ = std::make_unique<kiro::KiroStreamTranslator>(reply_);
  return *stream_;
}

BodyResult KiroAdapter::translate_body(int, std::string_view body, int64_t now_ms) {
  reply_.now_ms = now_ms;
  kiro::KiroCompletion done = kiro::translate_completion(body, reply_);
  BodyResult r;
  r.ok = done.ok;
  r.body = std::move(done.body);
  r.usage = done.usage;
  r.served_model = kiro_model_;
  r.error = std::move(done.error);
  return r;
}

UpstreamError KiroAdapter::classify_error(int http_status, std::string_view body, const Json&, int64_t now_ms) {
  return kiro::classify_error(http_status, body, now_ms);
}

}  // namespace keyaos::api
