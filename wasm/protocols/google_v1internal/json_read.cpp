#include "protocols/google_v1internal/json_read.h"

#include <cmath>

#include "protocols/google_v1internal/error_classifier.h"

namespace keyaos::google_v1internal::json_read {

bool parse_int64(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return false;
  int64_t result = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    if (result > (INT64_MAX - (c - '0')) / 10) return false;
    result = result * 10 + (c - '0');
  }
  out = negative ? -result : result;
  return true;
}

bool int64(value& v, int64_t& out) {
  json_type type;
  if (!type_of(v, type)) return false;
  if (type == json_type::number) {
    if (v.get_int64().get(out) == simdjson::SUCCESS) return true;
    double d = 0;
    if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) return false;
    if (d >= 9.2e18 || d <= -9.2e18) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  if (type == json_type::string) {
    std::string_view text;
    return v.get_string().get(text) == simdjson::SUCCESS && parse_int64(text, out);
  }
  return false;
}

}  // namespace keyaos::google_v1internal::json_read

namespace keyaos::google_v1internal {

UpstreamError unreadable_answer(std::string message) {
  UpstreamError e;
  e.error_class = ErrorClass::server;
  e.http_status = 502;
  e.message = std::move(message);
  e.type = "server_error";
  e.code = "invalid_upstream_response";
  return e;
}

AnswerObject::AnswerObject(int http_status, std::string_view body, int64_t now_ms, std::string_view what) : padded_(body) {
  if (http_status < 200 || http_status >= 300) {
    error_ = classify_error(http_status, body, now_ms);
    return;
  }
  status_ok_ = true;
  ok_ = parser_.iterate(padded_).get(doc_) == simdjson::SUCCESS && doc_.get_object().get(top_) == simdjson::SUCCESS;
  if (!ok_) error_ = unreadable_answer(std::string(what) + " returned unreadable JSON");
}

}  // namespace keyaos::google_v1internal
