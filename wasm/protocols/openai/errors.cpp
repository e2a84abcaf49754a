#include "protocols/openai/errors.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/civil_time.h"
#include "core/json.h"
#include "core/text.h"

namespace keyaos::openai {
namespace {

std::string scalar_text(const Json* v) {
  if (!v) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  return {};
}

// Fills message/type/code from whatever error object the body carries.
void read_error_object(const Json& body, UpstreamError& e) {
  const Json* err = field(body, "error");
  if (err && err->is_object()) {
    e.message = str_field(*err, "message");
    e.type = str_field(*err, "type");
    e.code = scalar_text(field(*err, "code"));
    // OpenRouter wraps the provider's own words in metadata.raw.
    if (const Json* md = field(*err, "metadata"); md && md->is_object()) {
      std::string raw = str_field(*md, "raw");
      if (!raw.empty()) e.message.append(": ").append(raw);
    }
  } else if (err && err->is_string()) {
    e.message = err->get<std::string>();
  } else {
    e.message = str_field(body, "message");
  }
}

ErrorClass refine_by_text(ErrorClass base, const UpstreamError& e) {
  std::string all = e.message + " " + e.code + " " + e.type;
  if (contains_ascii_ci(all, "context_length") || contains_ascii_ci(all, "context length") || contains_ascii_ci(all, "maximum context") ||
      contains_ascii_ci(all, "too many tokens") || contains_ascii_ci(all, "prompt is too long"))
    return ErrorClass::context_length;
  if (contains_ascii_ci(all, "content_policy") || contains_ascii_ci(all, "content policy") || contains_ascii_ci(all, "content_filter") ||
      contains_ascii_ci(all, "moderation") || contains_ascii_ci(all, "safety"))
    return ErrorClass::content_policy;
  return base;
}

}  // namespace

int64_t parse_retry_after(std::string_view value, int64_t now_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.empty()) return -1;
  if (std::isdigit(static_cast<unsigned char>(value[0]))) {
    double seconds = 0;
    double scale = 0;
    for (char c : value) {
      if (c >= '0' && c <= '9') {
        if (scale == 0) seconds = seconds * 10 + (c - '0');
        else { seconds += (c - '0') * scale; scale /= 10; }
      } else if (c == '.' && scale == 0) {
        scale = 0.1;
      } else {
        break;
      }
    }
    return static_cast<int64_t>(seconds * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (value.size() < 29) return -1;
  auto num = [&](size_t pos, size_t len) {
    int n = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(value[i]))) return -1;
      n = n * 10 + (value[i] - '0');
    }
    return n;
  };
  int day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (value.substr(8, 3) == kMonths[i]) month = i + 1;
  if (day < 0 || year < 0 || hh < 0 || mm < 0 || ss < 0 || month < 0) return -1;
  int64_t days = civil::days_from_civil(year, month, day);
  int64_t at_ms = ((days * 24 + hh) * 60 + mm) * 60000LL + ss * 1000LL;
  int64_t delta = at_ms - now_ms;
  return delta > 0 ? delta : 0;
}

UpstreamError classify_http_error(int status, std::string_view body, std::string_view retry_after, int64_t now_ms) {
  UpstreamError e;
  e.http_status = status;
  Json parsed = parse_json(body);
  if (!parsed.is_discarded()) read_error_object(parsed, e);
  if (e.message.empty()) {
    std::string snippet(body.substr(0, 300));
    e.message = snippet.empty() ? "upstream answered HTTP " + std::to_string(status) : snippet;
  }
  e.retry_after_ms = parse_retry_after(retry_after, now_ms);

  if (status == 429) {
    // OpenAI reports an exhausted account as 429 insufficient_quota: a billing problem, not a rate.
    bool billing = e.code == "insufficient_quota" || e.type == "insufficient_quota";
    e.error_class = billing ? ErrorClass::payment : ErrorClass::rate_limited;
    if (e.type.empty()) e.type = billing ? "insufficient_quota" : "rate_limit_error";
  } else if (status == 401 || status == 403) {
    e.error_class = ErrorClass::auth;
    if (e.type.empty()) e.type = "authentication_error";
  } else if (status == 402) {
    e.error_class = ErrorClass::payment;
    if (e.type.empty()) e.type = "insufficient_quota";
  } else if (status == 408 || status == 504) {
    e.error_class = ErrorClass::timeout;
  } else if (status >= 500) {
    e.error_class = ErrorClass::server;
    if (e.type.empty()) e.type = "server_error";
  } else {
    e.error_class = refine_by_text(ErrorClass::bad_request, e);
    if (e.type.empty()) e.type = "invalid_request_error";
  }
  // DeepSeek reports an empty balance as a 4xx with this message.
  if (e.error_class == ErrorClass::bad_request && contains_ascii_ci(e.message, "insufficient balance"))
    e.error_class = ErrorClass::payment;
  if (e.type.empty()) e.type = "upstream_error";
  return e;
}

UpstreamError classify_stream_error(std::string_view error_json) {
  UpstreamError e;
  Json err = parse_json(error_json);
  if (err.is_object()) {
    e.message = str_field(err, "message");
    e.type = str_field(err, "type");
    e.code = scalar_text(field(err, "code"));
  }
  if (e.message.empty()) e.message = "upstream reported an error mid-stream";
  int numeric = 0;
  if (!e.code.empty() && std::isdigit(static_cast<unsigned char>(e.code[0]))) numeric = std::atoi(e.code.c_str());
  if (numeric == 429 || e.code == "rate_limit_exceeded") e.error_class = ErrorClass::rate_limited;
  else if (numeric == 401 || numeric == 403) e.error_class = ErrorClass::auth;
  else if (numeric == 402) e.error_class = ErrorClass::payment;
  else e.error_class = refine_by_text(ErrorClass::server, e);
  e.http_status = numeric >= 400 && numeric < 600 ? numeric : 502;
  if (e.type.empty()) e.type = "upstream_error";
  return e;
}

}  // namespace keyaos::openai
