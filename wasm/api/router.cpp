#include "api/router.h"

#include <functional>
#include <optional>
#include <string_view>

#include "api/account.h"
#include "api/api_keys.h"
#include "api/catalog.h"
#include "api/chat.h"
#include "api/console.h"
#include "api/credits.h"
#include "protocols/openai/chat_client.h"
#include "protocols/responses/protocol.h"
#include "api/credentials.h"
#include "api/embeddings.h"
#include "api/logs.h"
#include "api/messages.h"
#include "api/model_aliases.h"
#include "api/models.h"
#include "api/payments.h"
#include "api/providers.h"
#include "api/route_explain.h"
#include "api/sync.h"
#include "api/usage.h"
#include "core/auth.h"
#include "core/json_depth.h"
#include "core/schema.h"
#include "core/text.h"
#include "platform/session.h"
#include "store/api_keys_store.h"

namespace keyaos::api {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Routed answer(Action a) { return Routed{nullptr, std::move(a)}; }

// The API a route's refusals speak: Anthropic clients read errors in
// Anthropic's shape only, from the first refusal on.
enum class ErrorShape { openai, anthropic };

Action refusal(ErrorShape shape, const ApiError& e) {
  if (shape == ErrorShape::openai) return error_response(e);
  // No request is mapped yet, so the error carries no token estimate.
  const anthropic::AnthropicMessages messages;
  return respond_action(messages.error_status(e), {{"content-type", "application/json"}}, messages.error_body(e));
}

using TaskMaker = std::unique_ptr<Task> (*)(Gateway&, HttpRequest, Caller);
using TaskFactory = std::function<std::unique_ptr<Task>(Gateway&, HttpRequest, Caller)>;

// How long Clerk's JWKS may take to answer.
constexpr int64_t kJwksTimeoutMs = 5000;

// The body limit when the host does not name one.
constexpr int64_t kDefaultMaxBodyBytes = 8 << 20;

ApiError too_large(int64_t max_bytes) {
  return {413, "The request body is larger than " + std::to_string(max_bytes) + " bytes.", "invalid_request_error",
          "request_too_large", {}};
}

// Every client body passes here before any route parses or walks it.
std::optional<ApiError> too_deep(const std::string& body) {
  JsonDepth depth = check_json_depth(body);
  if (depth.ok) return std::nullopt;
  return ApiError::bad_request("The request body is nested deeper than " + std::to_string(limits::kMaxJsonDepth) +
                                   " levels of arrays and objects.",
                               "json_too_deep", depth.top_key);
}

// Authenticates, then hands the request to the route's task. The admin token
// is checked in constant time; a Keyaos API key (Access::api_key routes only)
// is looked up by its SHA-256, from the isolate cache when fresh. A body the
// host left pending is asked for only once the caller is known, so a
// stranger's body is never read.
class AuthGate : public Task {
 public:
  AuthGate(Gateway& gw, HttpRequest req, Access access, ErrorShape shape, TaskFactory make)
      : gw_(gw), req_(std::move(req)), access_(access), shape_(shape), make_(std::move(make)) {}

  Action start(const Event&) override {
    if (gw_.config().platform.enabled) return start_platform();
    const std::string& admin = gw_.config().admin_token;
    const std::string token = request_token(req_.headers);
    if (admin.empty()) return reject(ApiError::unauthorized("The gateway has no ADMIN_TOKEN configured; set it to enable access."));
    if (token.empty())
      return reject(ApiError::unauthorized("Missing API key. Send it as 'Authorization: Bearer <key>' or in the 'x-api-key' header."));
    if (constant_time_equals(token, admin)) return with_schema([this] {
      Caller caller;
      caller.owner_id = caller.user_id = kCoreOwner;
      caller.admin = true;
      return enter(std::move(caller));
    });
    if (token.rfind(kApiKeyPrefix, 0) != 0) return reject(ApiError::unauthorized("Invalid API key."));
    if (access_ != Access::api_key)
      return reject(ApiError::unauthorized("API keys work on /v1 only; the management API needs the admin token."));
    return with_schema([this, token] { return lookup_key(token); });
  }

 private:
  // Every route reads D1, so a missing or outdated schema is named before
  // any route's SQL fails on it. Checked once per isolate.
  Action with_schema(std::function<Action()> k) {
    if (gw_.schema_ok()) return k();
    return run_sql({schema_check_statement()}, [this, k = std::move(k)](const SqlResult& r) {
      if (auto problem = schema_problem(r)) return reject(*problem);
      gw_.mark_schema_ok();
      return k();
    });
  }

  Action lookup_key(const std::string& token) {
    Action a = crypto_action(Json::array({{{"op", "sha256"}, {"text", token}}}));
    return then(std::move(a), [this](const Event& ev) {
      const Json* values = field(ev.head, "values");
      if (!values || !values->is_array() || values->empty()) return reject(ApiError::internal("Hashing the API key failed."));
      hash_ = str_field((*values)[0], "sha256");
      if (gw_.api_key(hash_, req_.now_ms)) return check_key();
      return run_sql({store::api_keys::by_hash(hash_)}, [this](const SqlResult& r) {
        if (!r.ok()) return reject(ApiError::internal("The gateway database is unavailable: " + r.error));
        gw_.store_api_key(hash_, r.at(0).empty() ? Json(nullptr) : r.at(0)[0], req_.now_ms);
        return check_key();
      });
    });
  }

  // Platform mode: a Clerk session on every route, or a Keyaos API key on
  // /v1. The admin token opens nothing here: accounts replace it.
  Action start_platform() {
    const std::string token = request_token(req_.headers);
    if (token.empty())
      return reject(ApiError::unauthorized(access_ == Access::api_key
                                               ? "Missing API key or session. Send it as 'Authorization: Bearer <key>' or in the 'x-api-key' header."
                                               : "Sign in: this route needs a session ('Authorization: Bearer <Clerk session token>')."));
    if (token.rfind(kApiKeyPrefix, 0) == 0) {
      if (access_ != Access::api_key)
        return reject(ApiError::unauthorized("API keys work on /v1 only; the management API needs a signed-in session."));
      return with_schema([this, token] { return lookup_key(token); });
    }
    if (!platform::looks_like_session_token(token)) return reject(ApiError::unauthorized("Invalid API key or session token."));
    std::string error;
    if (!platform::parse_session_token(token, session_, error)) return reject(ApiError::unauthorized("Invalid session token."));
    if (std::string problem = platform::claims_problem(session_, gw_.config().platform, req_.now_ms); !problem.empty())
      return reject(ApiError::unauthorized("Invalid session: " + problem + "."));
    return with_schema([this] { return session_key(); });
  }

  // The key that signed the session: CLERK_JWT_KEY, else Clerk's JWKS.
  Action session_key() {
    const platform::Config& config = gw_.config().platform;
    if (!config.jwt_key_pem.empty()) return verify_session({{"spki_pem", config.jwt_key_pem}});
    platform::JwksCache& jwks = gw_.jwks();
    if (!jwks.should_fetch(session_.kid, req_.now_ms)) return verify_with_jwks();
    jwks.fetch_started(req_.now_ms);
    FetchRequest jwks_get;
    jwks_get.url = config.jwks_url;
    jwks_get.headers = {{"accept", "application/json"}};
    jwks_get.headers_timeout_ms = kJwksTimeoutMs;
    return then(fetch_action(std::move(jwks_get)), [this](const Event& ev) {
      if (ev.type != EventType::upstream_head || int_field(ev.head, "status") != 200) return verify_with_jwks();
      Action read = read_body_action(platform::JwksCache::kMaxBytes, kJwksTimeoutMs, true);
      return then(std::move(read), [this](const Event& body) {
        if (body.type == EventType::upstream_body) gw_.jwks().store(body.payload, req_.now_ms);
        return verify_with_jwks();
      });
    });
  }

  Action verify_with_jwks() {
    const Json* jwk = gw_.jwks().key(session_.kid);
    // A failed fetch keeps the keys held before, so Clerk being unreachable
    // only refuses tokens signed with a key this isolate has never seen.
    if (!jwk) return reject(ApiError::unauthorized("Invalid session: the token's signing key is not one of the Clerk instance's keys."));
    return verify_session({{"jwk", *jwk}});
  }

  Action verify_session(Json key) {
    key["op"] = "verify_rs256";
    key["data"] = session_.signed_part;
    key["signature"] = session_.signature;
    Action a = crypto_action(Json::array({std::move(key)}));
    return then(std::move(a), [this](const Event& ev) {
      const Json* values = field(ev.head, "values");
      const bool valid = values && values->is_array() && !values->empty() && bool_field((*values)[0], "valid");
      if (!valid) return reject(ApiError::unauthorized("Invalid session: the signature does not verify."));
      const platform::Config& config = gw_.config().platform;
      Caller caller;
      caller.user_id = session_.sub;
      caller.owner_id = platform::owner_of(session_.sub, config);
      caller.session = true;
      caller.admin = !config.operator_id.empty() && session_.sub == config.operator_id;
      return enter(std::move(caller));
    });
  }

  Action check_key() {
    const Gateway::ApiKey* key = gw_.api_key(hash_, req_.now_ms);
    if (!key || !key->found || !key->enabled) return reject(ApiError::unauthorized("Invalid or disabled API key."));
    if (key->expires_at && *key->expires_at <= req_.now_ms)
      return reject({401, "This API key has expired.", "authentication_error", "key_expired", {}});
    if (key->quota && key->used >= *key->quota)
      return reject({429, "This API key has used up its quota.", "insufficient_quota", "key_quota_exceeded", {}});
    if (!key->allowed_ips.empty()) {
      bool allowed = false;
      for (const auto& ip : key->allowed_ips) allowed = allowed || ip == req_.client_ip;
      if (!allowed)
        return reject(ApiError::forbidden("Requests from " + (req_.client_ip.empty() ? std::string("this address") : req_.client_ip) +
                                                      " are not allowed for this API key.",
                                                  "ip_not_allowed"));
    }
    Caller caller;
    caller.owner_id = key->owner_id;
    caller.user_id = platform::user_of(key->owner_id, gw_.config().platform);
    caller.api_key_id = key->id;
    caller.allowed_models = key->allowed_models;
    caller.quota = key->quota;
    return enter(std::move(caller));
  }

  Action enter(Caller caller) {
    if (req_.body_pending) {
      const int64_t max_bytes = req_.max_body_bytes > 0 ? req_.max_body_bytes : kDefaultMaxBodyBytes;
      Action a = read_request_body_action(max_bytes);
      return then(std::move(a), [this, max_bytes, caller = std::move(caller)](const Event& ev) mutable {
        if (ev.type != EventType::request_body) return reject(ApiError::internal("The request body could not be read."));
        if (bool_field(ev.head, "too_large")) return reject(too_large(max_bytes));
        if (auto deep = too_deep(ev.payload)) return reject(*deep);
        req_.body = ev.payload;
        req_.body_pending = false;
        return enter(std::move(caller));
      });
    }
    Event request;
    request.type = EventType::request;
    return hand_over(make_(gw_, std::move(req_), std::move(caller)), request);
  }

  Action reject(const ApiError& e) { return refusal(shape_, e); }

  Gateway& gw_;
  HttpRequest req_;
  Access access_;
  ErrorShape shape_;
  TaskFactory make_;
  std::string hash_;
  platform::SessionToken session_;
};

Routed gated(Gateway& gw, HttpRequest req, Access access, ErrorShape shape, TaskFactory make) {
  return Routed{std::make_unique<AuthGate>(gw, std::move(req), access, shape, std::move(make)), {}};
}

// A fixed error answer, given once the caller is authenticated.
TaskFactory refusal_after_auth(ApiError error, Json headers = Json::object()) {
  return [error = std::move(error), headers = std::move(headers)](Gateway&, HttpRequest, Caller) -> std::unique_ptr<Task> {
    struct Refusal : Task {
      ApiError error;
      Json headers;
      Action start(const Event&) override { return error_response(error, headers); }
    };
    auto t = std::make_unique<Refusal>();
    t->error = error;
    t->headers = headers;
    return t;
  };
}

// ---------------------------------------------------------------------------
// The route table
// ---------------------------------------------------------------------------

struct Route;
using Handler = Routed (*)(Gateway&, HttpRequest, const Route&);

// What a method the route does not list gets.
enum class OtherMethods {
  refused,     // a 405 from the router, before auth
  to_handler,  // the handler's answer: a resource's task says 405 or 404 itself, after auth
};

struct Route {
  std::vector<std::string_view> methods;  // a 405 names the first
  // `{name}` is one path segment; a final `{name*}` is the rest of the path,
  // whatever it holds: the handler owns that subtree and refuses what it does not serve.
  std::string_view pattern;
  Access access;
  ErrorShape shape;
  OtherMethods other_methods;
  Handler handler;

  bool allows(std::string_view method) const {
    for (std::string_view m : methods)
      if (m == method) return true;
    return false;
  }
};

ApiError wrong_method(const Route& route, const std::string& path) {
  return ApiError::method_not_allowed("Use " + std::string(route.methods.front()) + " " + path + ".");
}

// The route's task, once the caller is authenticated.
template <TaskMaker make>
Routed task(Gateway& gw, HttpRequest req, const Route& route) {
  return gated(gw, std::move(req), route.access, route.shape, make);
}

Routed no_such_route(Gateway& gw, HttpRequest req, Access access);

// A Platform-only route: in Core mode it does not exist (a 404 after auth,
// like any unknown route).
template <TaskMaker make>
Routed platform_task(Gateway& gw, HttpRequest req, const Route& route) {
  if (!gw.config().platform.enabled) return no_such_route(gw, std::move(req), route.access == Access::anyone ? Access::admin : route.access);
  return gated(gw, std::move(req), route.access, route.shape, make);
}

// Stripe's webhook: no caller to authenticate (the signature is checked by
// the task, which reads the body itself, capped).
Routed stripe_webhook(Gateway& gw, HttpRequest req, const Route&) {
  if (!gw.config().platform.enabled) return no_such_route(gw, std::move(req), Access::admin);
  if (!gw.config().config_error.empty()) return answer(error_response(ApiError::internal(gw.config().config_error)));
  return Routed{make_stripe_webhook_task(gw, std::move(req)), {}};
}

std::unique_ptr<Task> openai_chat(Gateway& gw, HttpRequest req, Caller caller) {
  return make_chat_task(gw, std::move(req), std::move(caller), std::make_shared<openai::ChatClient>());
}
std::unique_ptr<Task> responses_chat(Gateway& gw, HttpRequest req, Caller caller) {
  return make_chat_task(gw, std::move(req), std::move(caller), std::make_shared<responses::OpenAIResponses>());
}
std::unique_ptr<Task> messages_chat(Gateway& gw, HttpRequest req, Caller caller) {
  return make_messages_task(gw, std::move(req), std::move(caller), make_messages_client());
}

// No auth: it says nothing about the data. Until the schema has been seen
// current, /health checks it.
Routed health(Gateway& gw, HttpRequest, const Route&) {
  if (gw.schema_ok()) return answer(json_response(200, {{"status", "ok"}, {"service", "keyaos"}}));
  struct Health : Task {
    Gateway& gw;
    explicit Health(Gateway& g) : gw(g) {}
    Action start(const Event&) override {
      return run_sql({schema_check_statement()}, [this](const SqlResult& r) {
        if (auto problem = schema_problem(r)) return error_response(*problem);
        gw.mark_schema_ok();
        return json_response(200, {{"status", "ok"}, {"service", "keyaos"}});
      });
    }
  };
  return Routed{std::make_unique<Health>(gw), {}};
}

Routed gateway_config(Gateway& gw, HttpRequest, const Route&) { return answer(gateway_config_response(gw)); }

// GET is only Codex's WebSocket attempt: a 426 makes it use HTTP at once.
Routed responses(Gateway& gw, HttpRequest req, const Route& route) {
  if (req.method != "GET") return task<responses_chat>(gw, std::move(req), route);
  if (ascii_lower(str_field(req.headers, "upgrade")) != "websocket") return answer(refusal(route.shape, wrong_method(route, req.path)));
  return gated(gw, std::move(req), route.access, route.shape,
               refusal_after_auth({426, "WebSocket transport is not available; send POST /v1/responses over HTTP.",
                                   "invalid_request_error", "websocket_not_supported", {}},
                                  {{"upgrade", "HTTP/1.1"}}));
}

// Remote compaction and stored responses need server-side state, which the
// gateway does not keep; on a 404 Codex compacts the conversation itself.
Routed no_compaction(Gateway& gw, HttpRequest req, const Route& route) {
  ApiError e = ApiError::not_found("Remote compaction is not supported by this gateway: " + req.method + " " + req.path + ".");
  return gated(gw, std::move(req), route.access, route.shape, refusal_after_auth(std::move(e)));
}
Routed no_stored_responses(Gateway& gw, HttpRequest req, const Route& route) {
  ApiError e = ApiError::not_found("This gateway stores no responses: " + req.method + " " + req.path + " does not exist.");
  return gated(gw, std::move(req), route.access, route.shape, refusal_after_auth(std::move(e)));
}

// Every route the engine serves, first match wins. The docs (README's API
// table, dashboard/public/openapi.json) are checked against it by a unit test.
const std::vector<Route>& routes() {
  constexpr Access anyone = Access::anyone, api_key = Access::api_key, admin = Access::admin;
  constexpr ErrorShape openai = ErrorShape::openai, anthropic = ErrorShape::anthropic;
  constexpr OtherMethods refused = OtherMethods::refused, to_handler = OtherMethods::to_handler;
  static const std::vector<Route> table = {
      {{"GET", "HEAD"}, "/health", anyone, openai, refused, health},
      {{"POST"}, "/v1/chat/completions", api_key, openai, refused, task<openai_chat>},
      {{"POST"}, "/v1/messages", api_key, anthropic, refused, task<messages_chat>},
      {{"POST"}, "/v1/messages/count_tokens", api_key, anthropic, refused, task<make_count_tokens_task>},
      {{"POST", "GET"}, "/v1/responses", api_key, openai, refused, responses},
      {{"POST"}, "/v1/responses/compact", api_key, openai, to_handler, no_compaction},
      {{"GET"}, "/v1/responses/{id*}", api_key, openai, to_handler, no_stored_responses},
      {{"POST"}, "/v1/embeddings", api_key, openai, refused, task<make_embeddings_task>},
      {{"GET"}, "/v1/models", api_key, openai, refused, task<make_models_task>},
      {{"GET"}, "/v1/credits", api_key, openai, refused, task<make_credits_task>},
      {{"GET"}, "/api/config", anyone, openai, refused, gateway_config},
      {{"GET"}, "/api/me", admin, openai, refused, task<make_me_task>},
      {{"GET"}, "/api/pool/stats", admin, openai, refused, task<make_pool_stats_task>},
      {{"GET", "POST"}, "/api/credentials", admin, openai, to_handler, task<make_credentials_task>},
      {{"GET", "PATCH", "DELETE"}, "/api/credentials/{id*}", admin, openai, to_handler, task<make_credentials_task>},
      {{"GET", "POST"}, "/api/api-keys", admin, openai, to_handler, task<make_api_keys_task>},
      {{"POST"}, "/api/api-keys/{id}/reset-usage", admin, openai, to_handler, task<make_api_keys_task>},
      {{"GET", "PATCH", "DELETE"}, "/api/api-keys/{id*}", admin, openai, to_handler, task<make_api_keys_task>},
      {{"GET"}, "/api/logs", admin, openai, refused, task<make_logs_task>},
      {{"GET"}, "/api/logs/{id*}", admin, openai, refused, task<make_logs_task>},
      {{"GET"}, "/api/usage", admin, openai, refused, task<make_usage_task>},
      {{"GET"}, "/api/route", admin, openai, refused, task<make_route_explain_task>},
      {{"GET"}, "/api/catalog", admin, openai, refused, task<make_catalog_task>},
      {{"POST"}, "/api/catalog/sync", admin, openai, refused, task<make_sync_request_task>},
      {{"GET", "POST"}, "/api/providers", admin, openai, to_handler, task<make_providers_task>},
      {{"GET", "PATCH", "DELETE"}, "/api/providers/{id*}", admin, openai, to_handler, task<make_providers_task>},
      {{"GET"}, "/api/model-aliases", admin, openai, to_handler, task<make_model_aliases_task>},
      {{"PUT", "DELETE"}, "/api/model-aliases/{alias*}", admin, openai, to_handler, task<make_model_aliases_task>},
      // Payments (Platform mode): Stripe Checkout, its webhook, deposits, auto top-up.
      {{"POST"}, "/api/credits/checkout", admin, openai, refused, platform_task<make_checkout_task>},
      {{"GET"}, "/api/credits/deposits", admin, openai, refused, platform_task<make_deposits_task>},
      {{"POST"}, "/api/credits/cancel-pending", admin, openai, refused, platform_task<make_cancel_pending_task>},
      {{"GET", "PUT"}, "/api/credits/auto-topup", admin, openai, refused, platform_task<make_auto_topup_settings_task>},
      {{"POST"}, "/api/webhooks/stripe", anyone, openai, refused, stripe_webhook},
      // Platform: the owner's credits (balance, ledger, gift card redeem) and the operator console; 404 in Core.
      {{"GET"}, "/api/credits/balance", admin, openai, to_handler, task<make_credits_api_task>},
      {{"GET"}, "/api/credits/transactions", admin, openai, to_handler, task<make_credits_api_task>},
      {{"POST"}, "/api/credits/redeem", admin, openai, to_handler, task<make_credits_api_task>},
      {{"GET"}, "/api/admin/overview", admin, openai, to_handler, task<make_console_task>},
      {{"GET"}, "/api/admin/users", admin, openai, to_handler, task<make_console_task>},
      {{"GET"}, "/api/admin/activity", admin, openai, to_handler, task<make_console_task>},
      {{"POST"}, "/api/admin/credits", admin, openai, to_handler, task<make_console_task>},
      {{"GET"}, "/api/admin/adjustments", admin, openai, to_handler, task<make_console_task>},
      {{"GET", "POST"}, "/api/admin/gift-cards", admin, openai, to_handler, task<make_console_task>},
      {{"POST"}, "/api/admin/sync", admin, openai, to_handler, task<make_console_task>},
  };
  return table;
}

// Path spaces the engine owns whole: an unknown path in one is a 404, given
// only to a caller with the namespace's access so that it reveals nothing.
struct Namespace {
  std::string_view prefix;
  Access access;
};
constexpr Namespace kNamespaces[] = {{"/v1", Access::api_key}, {"/api", Access::admin}};

const Namespace* namespace_of(std::string_view path) {
  for (const Namespace& ns : kNamespaces)
    if (starts_with(path, ns.prefix) && (path.size() == ns.prefix.size() || path[ns.prefix.size()] == '/')) return &ns;
  return nullptr;
}

bool matches(std::string_view pattern, std::string_view path) {
  for (;;) {
    const size_t open = pattern.find('{');
    if (open == std::string_view::npos) return pattern == path;
    if (path.substr(0, open) != pattern.substr(0, open)) return false;
    pattern.remove_prefix(open);
    path.remove_prefix(open);
    const size_t close = pattern.find('}');
    if (pattern[close - 1] == '*') return true;
    pattern.remove_prefix(close + 1);
    const std::string_view segment = path.substr(0, path.find('/'));
    if (segment.empty()) return false;
    path.remove_prefix(segment.size());
  }
}

const Route* find_route(std::string_view path) {
  for (const Route& r : routes())
    if (matches(r.pattern, path)) return &r;
  return nullptr;
}

Routed no_such_route(Gateway& gw, HttpRequest req, Access access) {
  return gated(gw, std::move(req), access, ErrorShape::openai, [](Gateway&, HttpRequest r, Caller) -> std::unique_ptr<Task> {
    struct NotFound : Task {
      std::string what;
      Action start(const Event&) override { return error_response(ApiError::not_found("No such route: " + what)); }
    };
    auto t = std::make_unique<NotFound>();
    t->what = r.method + " " + r.path;
    return t;
  });
}

}  // namespace

Routed route(Gateway& gw, HttpRequest req) {
  if (req.path.size() > 1 && req.path.back() == '/') req.path.pop_back();
  const Route* r = find_route(req.path);
  const Namespace* ns = namespace_of(req.path);
  if (!r && !ns) return answer(error_response(ApiError::not_found("No such route: " + req.method + " " + req.path)));
  // A route anyone may call reads no body and works without configuration.
  if (!r || r->access != Access::anyone) {
    const ErrorShape shape = r ? r->shape : ErrorShape::openai;
    if (!gw.config().config_error.empty()) return answer(refusal(shape, ApiError::internal(gw.config().config_error)));
    if (req.body_too_large) return answer(refusal(shape, too_large(req.max_body_bytes)));
    // A body the host already read (not left pending) is checked here; a pending one after auth.
    if (!req.body.empty())
      if (auto deep = too_deep(req.body)) return answer(refusal(shape, *deep));
  }
  // Unknown routes still need a valid key, so they reveal nothing to strangers.
  if (!r) return no_such_route(gw, std::move(req), ns->access);
  if (r->other_methods == OtherMethods::refused && !r->allows(req.method)) return answer(refusal(r->shape, wrong_method(*r, req.path)));
  return r->handler(gw, std::move(req), *r);
}

std::vector<DeclaredRoute> declared_routes() {
  std::vector<DeclaredRoute> out;
  for (const Route& r : routes()) {
    DeclaredRoute d{{r.methods.begin(), r.methods.end()}, std::string(r.pattern), r.access};
    // `{name*}` is how the router matches; the docs name the parameter alone.
    for (size_t star; (star = d.path.find("*}")) != std::string::npos;) d.path.erase(star, 1);
    out.push_back(std::move(d));
  }
  return out;
}

Json engine_paths() {
  Json prefixes = Json::array(), paths = Json::array();
  for (const Namespace& ns : kNamespaces) prefixes.push_back(std::string(ns.prefix));
  for (const Route& r : routes())
    if (!namespace_of(r.pattern)) paths.push_back(std::string(r.pattern));
  return {{"prefixes", prefixes}, {"paths", paths}};
}

}  // namespace keyaos::api
