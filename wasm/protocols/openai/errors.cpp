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

// What an error body says beyond message/type/code.
struct Signals {
  bool moderation = false;  // OpenRouter moderation: metadata.reasons / flagged_input
};

// Fills message/type/code from whatever error object the body carries.
void read_error_object(const Json& body, UpstreamError& e, Signals& sig) {
  const Json* err = field(body, "error");
  if (err && err->is_object()) {
    e.message = str_field(*err, "message");
    e.type = str_field(*err, "type");
    e.code = scalar_text(field(*err, "code"));
    // OpenRouter wraps the provider's own words in metadata.raw.
    if (const Json* md = field(*err, "metadata"); md && md->is_object()) {
      std::string raw = str_field(*md, "raw");
      if (!raw.empty()) e.message.append(": ").append(raw);
      sig.moderation = field(*md, "reasons") != nullptr || field(*md, "flagged_input") != nullptr;
    }
  } else if (err && err->is_string()) {
    e.message = err->get<std::string>();
  } else {
    e.message = str_field(body, "message");
  }
}

bool any_of(const std::string& text, std::initializer_list<const char*> needles) {
  for (const char* n : needles)
    if (contains_ascii_ci(text, n)) return true;
  return false;
}

ErrorClass refine_by_text(ErrorClass base, const UpstreamError& e) {
  std::string all = e.message + " " + e.code + " " + e.type;
  if (any_of(all, {"context_length", "context length", "maximum context", "too many tokens", "prompt is too long"}))
    return ErrorClass::context_length;
  if (any_of(all, {"content_policy", "content policy", "content_filter", "moderation", "safety"}))
    return ErrorClass::content_policy;
  return base;
}

// The balance cannot cover this request's max_tokens; a smaller request, or another key, may pass.
bool says_unaffordable(const std::string& all) {
  return any_of(all, {"fewer max_tokens", "can only afford", "requires more credits", "lower max_tokens"});
}

// Only words about the key itself make a 401/403 kill it; anything else about
// a 403 concerns this request, this model or this region.
ErrorClass classify_403(const UpstreamError& e, const Signals& sig) {
  std::string all = e.message + " " + e.code + " " + e.type;
  if (sig.moderation || any_of(all, {"flagged", "moderation", "content_policy", "content policy", "safety system"}))
    return ErrorClass::content_policy;
  if (says_unaffordable(all)) return ErrorClass::unaffordable;
  if (any_of(all, {"insufficient credits", "insufficient balance", "insufficient_quota", "quota_exceeded", "key limit exceeded",
                   "credit limit", "exceeded your current quota"}))
    return ErrorClass::payment;
  if (any_of(all, {"invalid api key", "invalid_api_key", "incorrect api key", "api key not valid", "revoked", "deactivated",
                   "suspended", "banned", "account disabled", "key is disabled", "no auth credentials", "user not found",
                   "authentication"}))
    return ErrorClass::auth;
  return ErrorClass::forbidden;  // country/region, model not enabled for this key, provider refusal
}

// The class of an error answer with HTTP status (or an in-stream numeric code) `status`.
ErrorClass decide(int status, const UpstreamError& e, const Signals& sig) {
  std::string all = e.message + " " + e.code + " " + e.type;
  if (status == 429) {
    // OpenAI reports an exhausted account as 429 insufficient_quota: a billing problem, not a rate.
    if (e.code == "insufficient_quota" || e.type == "insufficient_quota") return ErrorClass::payment;
    return ErrorClass::rate_limited;
  }
  if (status == 401) return ErrorClass::auth;
  if (status == 402) return says_unaffordable(all) ? ErrorClass::unaffordable : ErrorClass::payment;
  if (status == 403) return classify_403(e, sig);
  if (status == 408 || status == 504) return ErrorClass::timeout;
  if (status >= 500) return ErrorClass::server;
  // DeepSeek reports an empty balance as a 4xx with this message.
  if (contains_ascii_ci(e.message, "insufficient balance")) return ErrorClass::payment;
  return refine_by_text(ErrorClass::bad_request, e);
}

const char* default_type(ErrorClass c) {
  switch (c) {
    case ErrorClass::rate_limited: return "rate_limit_error";
    case ErrorClass::payment:
    case ErrorClass::unaffordable: return "insufficient_quota";
    case ErrorClass::auth: return "authentication_error";
    case ErrorClass::forbidden: return "permission_error";
    case ErrorClass::server: return "server_error";
    case ErrorClass::bad_request:
    case ErrorClass::context_length:
    case ErrorClass::content_policy: return "invalid_request_error";
    default: return "upstream_error";
  }
}

// OpenRouter's codes are the HTTP status; the client gets a word instead.
void name_code(UpstreamError& e) {
  bool numeric = !e.code.empty() && std::all_of(e.code.begin(), e.code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!e.code.empty() && !numeric) return;
  if (e.error_class == ErrorClass::unaffordable) e.code = "insufficient_credits_for_request";
  else if (e.error_class == ErrorClass::content_policy) e.code = "content_flagged";
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
  Signals sig;
  e.http_status = status;
  Json parsed = parse_json(body);
  if (!parsed.is_discarded()) read_error_object(parsed, e, sig);
  if (e.message.empty()) {
    std::string snippet(body.substr(0, 300));
    e.message = snippet.empty() ? "upstream answered HTTP " + std::to_string(status) : snippet;
  }
  e.retry_after_ms = parse_retry_after(retry_after, now_ms);
  e.error_class = decide(status, e, sig);
  if (e.type.empty()) e.type = default_type(e.error_class);
  name_code(e);
  return e;
}

UpstreamError classify_stream_error(std::string_view error_json) {
  UpstreamError e;
  Signals sig;
  Json err = parse_json(error_json);
  if (err.is_object()) read_error_object(Json{{"error", err}}, e, sig);
  if (e.message.empty()) e.message = "upstream reported an error mid-stream";
  int numeric = 0;
  if (!e.code.empty() && std::isdigit(static_cast<unsigned char>(e.code[0]))) numeric = std::atoi(e.code.c_str());
  if (e.code == "rate_limit_exceeded") numeric = 429;
  if (numeric == 401 || numeric == 402 || numeric == 403 || numeric == 429) e.error_class = decide(numeric, e, sig);
  else e.error_class = refine_by_text(ErrorClass::server, e);
  e.http_status = numeric >= 400 && numeric < 600 ? numeric : 502;
  if (e.type.empty()) e.type = "upstream_error";
  name_code(e);
  return e;
}

}  // namespace keyaos::openai
