#include "api/router.h"

#include "api/chat.h"
#include "api/credentials.h"
#include "api/models.h"
#include "core/auth.h"

namespace keyaos::api {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

Routed answer(Action a) { return Routed{nullptr, std::move(a)}; }
Routed answer(const ApiError& e) { return answer(error_response(e)); }

// Core mode: the one caller is the holder of ADMIN_TOKEN.
bool authenticate(const Gateway& gw, const HttpRequest& req, Caller& caller, ApiError& error) {
  const std::string& admin = gw.config().admin_token;
  std::string token = request_token(req.headers);
  if (admin.empty()) {
    error = ApiError::unauthorized("The gateway has no ADMIN_TOKEN configured; set it to enable access.");
    return false;
  }
  if (token.empty()) {
    error = ApiError::unauthorized("Missing API key. Send it as 'Authorization: Bearer <key>' or in the 'x-api-key' header.");
    return false;
  }
  if (!constant_time_equals(token, admin)) {
    error = ApiError::unauthorized("Invalid API key.");
    return false;
  }
  caller.owner_id = kCoreOwner;
  return true;
}

}  // namespace

Routed route(Gateway& gw, HttpRequest req) {
  const std::string path = req.path.size() > 1 && req.path.back() == '/' ? req.path.substr(0, req.path.size() - 1) : req.path;
  req.path = path;
  if (path == "/health") {
    if (req.method != "GET" && req.method != "HEAD") return answer(ApiError::method_not_allowed("Use GET /health."));
    return answer(json_response(200, {{"status", "ok"}, {"service", "keyaos"}}));
  }
  const bool v1 = path == "/v1" || starts_with(path, "/v1/");
  const bool api = path == "/api" || starts_with(path, "/api/");
  if (!v1 && !api) return answer(ApiError::not_found("No such route: " + req.method + " " + path));

  Caller caller;
  ApiError error;
  if (!authenticate(gw, req, caller, error)) return answer(error);
  if (!gw.config().config_error.empty()) return answer(ApiError::internal(gw.config().config_error));
  if (req.body_too_large)
    return answer(ApiError{413, "The request body is larger than " + std::to_string(req.max_body_bytes) + " bytes.",
                           "invalid_request_error", "request_too_large", {}});

  if (path == "/v1/chat/completions") {
    if (req.method != "POST") return answer(ApiError::method_not_allowed("Use POST /v1/chat/completions."));
    return Routed{make_chat_task(gw, std::move(req), caller), {}};
  }
  if (path == "/v1/models") {
    if (req.method != "GET") return answer(ApiError::method_not_allowed("Use GET /v1/models."));
    return Routed{make_models_task(gw, std::move(req), caller), {}};
  }
  if (path == "/api/credentials" || starts_with(path, "/api/credentials/"))
    return Routed{make_credentials_task(gw, std::move(req), caller), {}};
  return answer(ApiError::not_found("No such route: " + req.method + " " + path));
}

}  // namespace keyaos::api
