#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/api_error.h"
#include "core/io.h"

namespace keyaos::api {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;
  Json headers = Json::object();  // lower-case names
  std::string body;
  std::string client_ip;
  std::string origin;  // scheme://host[:port] of the request URL (the dashboard's origin)
  std::string nonce;  // 32 random hex digits from the host
  int64_t now_ms = 0;
  bool body_too_large = false;
  // The host has not read the body yet: it is asked for (read_request_body)
  // once the caller is authenticated.
  bool body_pending = false;
  int64_t max_body_bytes = 0;
};

HttpRequest request_from(const Event& event);
std::string query_param(std::string_view query, std::string_view name);

Action json_response(int status, const Json& body, Json headers = Json::object());
Action error_response(const ApiError& error, Json headers = Json::object());

}  // namespace keyaos::api
