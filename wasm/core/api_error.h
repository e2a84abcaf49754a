#pragma once
#include <string>

#include "core/json.h"

namespace keyaos {

// An error answered to the client, always in OpenAI's shape:
// {"error":{"message","type","param","code"}}.
struct ApiError {
  int status = 500;
  std::string message;
  std::string type;
  std::string code;   // empty → null
  std::string param;  // empty → null

  std::string body() const {
    Json e = {{"message", message},
              {"type", type},
              {"param", param.empty() ? Json(nullptr) : Json(param)},
              {"code", code.empty() ? Json(nullptr) : Json(code)}};
    return dump_json(Json{{"error", e}});
  }

  static ApiError bad_request(std::string message, std::string code = "invalid_request", std::string param = {}) {
    return {400, std::move(message), "invalid_request_error", std::move(code), std::move(param)};
  }
  static ApiError unauthorized(std::string message = "Invalid or missing API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key'.") {
    return {401, std::move(message), "authentication_error", "invalid_api_key", {}};
  }
  static ApiError forbidden(std::string message, std::string code) {
    return {403, std::move(message), "permission_error", std::move(code), {}};
  }
  static ApiError not_found(std::string message, std::string code = "not_found") {
    return {404, std::move(message), "invalid_request_error", std::move(code), {}};
  }
  static ApiError method_not_allowed(std::string message) {
    return {405, std::move(message), "invalid_request_error", "method_not_allowed", {}};
  }
  static ApiError internal(std::string message) {
    return {500, std::move(message), "server_error", "internal_error", {}};
  }
};

}  // namespace keyaos
