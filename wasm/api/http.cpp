#include "api/http.h"

namespace keyaos::api {
namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out.push_back(' ');
    else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else out.push_back(s[i]);
  }
  return out;
}
}  // namespace

HttpRequest request_from(const Event& ev) {
  HttpRequest r;
  r.method = str_field(ev.head, "method");
  r.path = str_field(ev.head, "path");
  r.query = str_field(ev.head, "query");
  if (const Json* h = field(ev.head, "headers"); h && h->is_object()) r.headers = *h;
  r.body = ev.payload;
  r.client_ip = str_field(ev.head, "client_ip");
  r.nonce = str_field(ev.head, "nonce");
  r.origin = str_field(ev.head, "origin");
  r.now_ms = ev.now_ms();
  r.body_too_large = bool_field(ev.head, "body_too_large");
  r.max_body_bytes = int_field(ev.head, "max_body_bytes");
  r.body_pending = bool_field(ev.head, "body_pending");
  return r;
}

std::string query_param(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    size_t eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) == name) return eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return {};
}

Action json_response(int status, const Json& body, Json headers) {
  headers["content-type"] = "application/json";
  return respond_action(status, headers, dump_json(body));
}

Action error_response(const ApiError& error, Json headers) {
  headers["content-type"] = "application/json";
  return respond_action(error.status, headers, error.body());
}

}  // namespace keyaos::api
