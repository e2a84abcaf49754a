#include "api/router.h"

#include <functional>
#include <optional>

#include "api/api_keys.h"
#include "api/catalog.h"
#include "api/chat.h"
#include "protocols/openai/chat_client.h"
#include "protocols/responses/protocol.h"
#include "api/credentials.h"
#include "api/embeddings.h"
#include "api/logs.h"
#include "api/messages.h"
#include "api/model_aliases.h"
#include "api/models.h"
#include "api/providers.h"
#include "api/route_explain.h"
#include "api/sync.h"
#include "api/usage.h"
#include "core/auth.h"
#include "core/json_depth.h"
#include "core/schema.h"
#include "core/text.h"
#include "store/api_keys_store.h"

namespace keyaos::api {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

Routed answer(Action a) { return Routed{nullptr, std::move(a)}; }
Routed answer(const ApiError& e) { return answer(error_response(e)); }

using TaskFactory = std::function<std::unique_ptr<Task>(HttpRequest, Caller)>;

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
// is checked in constant time; a Keyaos API key (/v1 only) is looked up by
// its SHA-256, from the isolate cache when fresh. A body the host left
// pending is asked for only once the caller is known, so a stranger's body is
// never read.
class AuthGate : public Task {
 public:
  AuthGate(Gateway& gw, HttpRequest req, bool v1, TaskFactory make, std::shared_ptr<const ClientProtocol> client = nullptr)
      : gw_(gw), req_(std::move(req)), v1_(v1), make_(std::move(make)), client_(std::move(client)) {}

  Action start(const Event&) override {
    const std::string& admin = gw_.config().admin_token;
    const std::string token = request_token(req_.headers);
    if (admin.empty()) return reject(ApiError::unauthorized("The gateway has no ADMIN_TOKEN configured; set it to enable access."));
    if (token.empty())
      return reject(ApiError::unauthorized("Missing API key. Send it as 'Authorization: Bearer <key>' or in the 'x-api-key' header."));
    if (constant_time_equals(token, admin)) return with_schema([this] { return enter({kCoreOwner, "", {}, true}); });
    if (token.rfind(kApiKeyPrefix, 0) != 0) return reject(ApiError::unauthorized("Invalid API key."));
    if (!v1_) return reject(ApiError::unauthorized("API keys work on /v1 only; the management API needs the admin token."));
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
    Action a;
    a.head = {{"type", "crypto"}, {"items", Json::array({{{"op", "sha256"}, {"text", token}}})}};
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
    return enter({key->owner_id, key->id, key->allowed_models, false, key->quota});
  }

  Action enter(Caller caller) {
    if (req_.body_pending) {
      const int64_t max_bytes = req_.max_body_bytes > 0 ? req_.max_body_bytes : kDefaultMaxBodyBytes;
      Action a;
      a.head = {{"type", "read_request_body"}, {"max_bytes", max_bytes}};
      return then(std::move(a), [this, max_bytes, caller = std::move(caller)](const Event& ev) mutable {
        if (ev.type != "request_body") return reject(ApiError::internal("The request body could not be read."));
        if (bool_field(ev.head, "too_large")) return reject(too_large(max_bytes));
        if (auto deep = too_deep(ev.payload)) return reject(*deep);
        req_.body = ev.payload;
        req_.body_pending = false;
        return enter(std::move(caller));
      });
    }
    inner_ = make_(std::move(req_), std::move(caller));
    Event request;
    request.type = "request";
    return forward(inner_->start(request));
  }

  // Refusals in the API the route speaks (OpenAI's unless told).
  Action reject(const ApiError& e) {
    if (!client_) return error_response(e);
    return respond_action(client_->error_status(e), {{"content-type", "application/json"}}, client_->error_body(e));
  }

  Action forward(Action a) {
    if (!inner_->waiting()) return a;
    return then(std::move(a), [this](const Event& ev) { return forward(inner_->resume(ev)); });
  }

  Gateway& gw_;
  HttpRequest req_;
  bool v1_;
  TaskFactory make_;
  std::string hash_;
  std::unique_ptr<Task> inner_;
  std::shared_ptr<const ClientProtocol> client_;
};

// A route's task, given the authenticated caller.
template <class Make>
Routed gated(Gateway& gw, HttpRequest req, bool v1, Make make) {
  // Called once, with the request (and its body) moved into the route's task.
  auto factory = [&gw, make](HttpRequest r, Caller caller) { return make(gw, std::move(r), std::move(caller)); };
  return Routed{std::make_unique<AuthGate>(gw, std::move(req), v1, std::move(factory)), {}};
}

// A fixed error answer, given once the caller is authenticated.
Routed gated_error(Gateway& gw, HttpRequest req, ApiError error, Json headers = Json::object()) {
  return gated(gw, std::move(req), true, [error, headers](Gateway&, HttpRequest, Caller) -> std::unique_ptr<Task> {
    struct Refusal : Task {
      ApiError error;
      Json headers;
      Action start(const Event&) override { return error_response(error, headers); }
    };
    auto t = std::make_unique<Refusal>();
    t->error = error;
    t->headers = headers;
    return t;
  });
}

// A chat request in `client`'s API: refusals already speak it.
Routed chat_route(Gateway& gw, HttpRequest req, std::shared_ptr<ClientProtocol> client) {
  auto factory = [&gw, client](HttpRequest r, Caller caller) { return make_chat_task(gw, std::move(r), std::move(caller), client); };
  return Routed{std::make_unique<AuthGate>(gw, std::move(req), true, std::move(factory), client), {}};
}

}  // namespace

Routed route(Gateway& gw, HttpRequest req) {
  const std::string path = req.path.size() > 1 && req.path.back() == '/' ? req.path.substr(0, req.path.size() - 1) : req.path;
  req.path = path;
  if (path == "/health") {
    if (req.method != "GET" && req.method != "HEAD") return answer(ApiError::method_not_allowed("Use GET /health."));
    if (gw.schema_ok()) return answer(json_response(200, {{"status", "ok"}, {"service", "keyaos"}}));
    // Until the schema has been seen current, /health checks it (no auth: it says nothing about the data).
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
  const bool v1 = path == "/v1" || starts_with(path, "/v1/");
  const bool api = path == "/api" || starts_with(path, "/api/");
  if (!v1 && !api) return answer(ApiError::not_found("No such route: " + req.method + " " + path));
  // Anthropic clients read errors in Anthropic's shape only, from the first refusal on.
  const bool messages = path == "/v1/messages" || path == "/v1/messages/count_tokens";
  std::shared_ptr<ClientProtocol> shape;
  if (messages) shape = std::make_shared<anthropic::AnthropicMessages>();
  auto refuse = [&](const ApiError& e) -> Routed {
    if (!shape) return answer(e);
    return answer(respond_action(shape->error_status(e), {{"content-type", "application/json"}}, shape->error_body(e)));
  };
  if (!gw.config().config_error.empty()) return refuse(ApiError::internal(gw.config().config_error));
  if (req.body_too_large) return refuse(too_large(req.max_body_bytes));
  // A body the host already read (not left pending) is checked here; a pending one after auth.
  if (!req.body.empty())
    if (auto deep = too_deep(req.body)) return refuse(*deep);
  if (messages) {
    if (req.method != "POST") return refuse(ApiError::method_not_allowed("Use POST " + path + "."));
    if (path == "/v1/messages") {
      MessagesClient client = make_messages_client();
      auto factory = [&gw, client](HttpRequest r, Caller caller) { return make_messages_task(gw, std::move(r), std::move(caller), client); };
      return Routed{std::make_unique<AuthGate>(gw, std::move(req), true, std::move(factory), client.protocol), {}};
    }
    auto factory = [&gw](HttpRequest r, Caller caller) { return make_count_tokens_task(gw, std::move(r), std::move(caller)); };
    return Routed{std::make_unique<AuthGate>(gw, std::move(req), true, std::move(factory), shape), {}};
  }

  auto only = [&](const char* method, auto make) -> Routed {
    if (req.method != method) return answer(ApiError::method_not_allowed(std::string("Use ") + method + " " + path + "."));
    return gated(gw, std::move(req), v1, make);
  };
  auto chat = [&](std::shared_ptr<ClientProtocol> client) -> Routed {
    if (req.method != "POST") {
      ApiError e = ApiError::method_not_allowed("Use POST " + path + ".");
      return answer(respond_action(client->error_status(e), {{"content-type", "application/json"}}, client->error_body(e)));
    }
    return chat_route(gw, std::move(req), std::move(client));
  };
  if (path == "/v1/chat/completions") return chat(std::make_shared<openai::ChatClient>());
  if (path == "/v1/responses") {
    // Codex tries a WebSocket first unless told otherwise; a 426 makes it use HTTP at once.
    if (req.method == "GET" && ascii_lower(str_field(req.headers, "upgrade")) == "websocket")
      return gated_error(gw, std::move(req),
                         {426, "WebSocket transport is not available; send POST /v1/responses over HTTP.", "invalid_request_error",
                          "websocket_not_supported", {}},
                         {{"upgrade", "HTTP/1.1"}});
    return chat(std::make_shared<responses::OpenAIResponses>());
  }
  // Remote compaction and stored responses need server-side state, which the
  // gateway does not keep; on a 404 Codex compacts the conversation itself.
  if (path == "/v1/responses/compact") {
    ApiError e = ApiError::not_found("Remote compaction is not supported by this gateway: " + req.method + " " + path + ".");
    return gated_error(gw, std::move(req), std::move(e));
  }
  if (starts_with(path, "/v1/responses/")) {
    ApiError e = ApiError::not_found("This gateway stores no responses: " + req.method + " " + path + " does not exist.");
    return gated_error(gw, std::move(req), std::move(e));
  }
  if (path == "/v1/embeddings") return only("POST", make_embeddings_task);
  if (path == "/v1/models") return only("GET", make_models_task);
  if (path == "/api/credentials" || starts_with(path, "/api/credentials/")) return gated(gw, std::move(req), v1, make_credentials_task);
  if (path == "/api/api-keys" || starts_with(path, "/api/api-keys/")) return gated(gw, std::move(req), v1, make_api_keys_task);
  if (path == "/api/logs" || starts_with(path, "/api/logs/")) return only("GET", make_logs_task);
  if (path == "/api/usage") return only("GET", make_usage_task);
  if (path == "/api/route") return only("GET", make_route_explain_task);
  if (path == "/api/catalog") return only("GET", make_catalog_task);
  if (path == "/api/catalog/sync") return only("POST", make_sync_request_task);
  if (path == "/api/providers" || starts_with(path, "/api/providers/")) return gated(gw, std::move(req), v1, make_providers_task);
  if (path == "/api/model-aliases" || starts_with(path, "/api/model-aliases/")) return gated(gw, std::move(req), v1, make_model_aliases_task);
  // Unknown routes still need a valid key, so they reveal nothing to strangers.
  return gated(gw, std::move(req), v1, [](Gateway&, HttpRequest r, Caller) -> std::unique_ptr<Task> {
    struct NotFound : Task {
      std::string what;
      Action start(const Event&) override { return error_response(ApiError::not_found("No such route: " + what)); }
    };
    auto t = std::make_unique<NotFound>();
    t->what = r.method + " " + r.path;
    return t;
  });
}

}  // namespace keyaos::api
