#include "protocols/kiro/errors.h"

#include <string>

#include "protocols/kiro/calendar.h"
#include "core/json_read.h"

namespace keyaos::kiro {

namespace {

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    for (; j < needle.size(); ++j) {
      char a = haystack[i + j], b = needle[j];
      if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = char(b - 'A' + 'a');
      if (a != b) break;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

// "com.amazon.aws.codewhisperer#ThrottlingException" → "ThrottlingException".
std::string_view short_type(std::string_view type) {
  const size_t hash = type.rfind('#');
  if (hash != std::string_view::npos) type = type.substr(hash + 1);
  const size_t colon = type.find(':');  // "ThrottlingException:http://…" in some SDK shapes
  if (colon != std::string_view::npos) type = type.substr(0, colon);
  return type;
}

bool context_too_long(std::string_view message, std::string_view reason) {
  return reason == "CONTENT_LENGTH_EXCEEDS_THRESHOLD" || contains_ci(message, "input is too long") ||
         contains_ci(message, "too many tokens") || contains_ci(message, "context length") ||
         contains_ci(message, "exceeds the maximum");
}

// A refusal of one model for this subscription, not of the token.
bool denies_model(std::string_view message) {
  return contains_ci(message, "model") && (contains_ci(message, "not available") || contains_ci(message, "not allowed") ||
                                           contains_ci(message, "not supported") || contains_ci(message, "not enabled") ||
                                           contains_ci(message, "access to"));
}

UpstreamError make(ErrorClass cls, int status, std::string_view message, std::string_view code) {
  UpstreamError e;
  e.error_class = cls;
  e.http_status = status;
  e.message = std::string(message);
  e.code = std::string(code);
  switch (cls) {
    case ErrorClass::bad_request: e.type = "invalid_request_error"; break;
    case ErrorClass::context_length:
      e.type = "invalid_request_error";
      if (e.code.empty()) e.code = "context_length_exceeded";
      break;
    case ErrorClass::content_policy: e.type = "invalid_request_error"; break;
    case ErrorClass::auth: e.type = "authentication_error"; break;
    case ErrorClass::payment: e.type = "insufficient_quota"; break;
    case ErrorClass::forbidden: e.type = "permission_error"; break;
    case ErrorClass::quota_exhausted: e.type = "insufficient_quota"; break;
    case ErrorClass::rate_limited: e.type = "rate_limit_error"; break;
    default: e.type = "upstream_error"; break;
  }
  return e;
}

UpstreamError quota_until_next_month(std::string_view message, std::string_view reason, int64_t now_ms) {
  UpstreamError e = make(ErrorClass::quota_exhausted, 429, message, reason);
  e.retry_after_ms = next_month_start_ms(now_ms) - now_ms;
  return e;
}

}  // namespace

UpstreamError classify_error(int http_status, std::string_view body, int64_t now_ms) {
  std::string message, reason, type;
  json_read::Input input;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (!input.parse(body, doc) && !doc.get_object().get(obj)) {
    json_read::each_member(obj, [&](std::string_view key, simdjson::ondemand::value& value) {
      if (key == "message" || key == "Message") json_read::string(value, message);
      else if (key == "reason") json_read::string(value, reason);
      else if (key == "__type" || key == "_type" || key == "code") json_read::string(value, type);
      return true;
    });
  }
  if (message.empty()) {
    message = body.empty() ? "Kiro answered HTTP " + std::to_string(http_status) : std::string(body.substr(0, 300));
  }
  const std::string_view code = !reason.empty() ? std::string_view(reason) : short_type(type);

  if (reason == "MONTHLY_REQUEST_COUNT" || contains(body, "MONTHLY_REQUEST_COUNT")) {
    return quota_until_next_month(message, "MONTHLY_REQUEST_COUNT", now_ms);
  }
  if (http_status == 400 || http_status == 413 || http_status == 422) {
    if (context_too_long(message, reason)) return make(ErrorClass::context_length, 400, message, code);
    return make(ErrorClass::bad_request, 400, message, code);
  }
  if (http_status == 403 && denies_model(message)) return make(ErrorClass::forbidden, 403, message, code);
  // A 403 is the bearer token's: the adapter refreshes it once before the credential counts as dead.
  if (http_status == 401 || http_status == 403) return make(ErrorClass::auth, http_status, message, code);
  // Other 402s: the subscription is out of credit; it rests until the next quota refresh.
  if (http_status == 402) return make(ErrorClass::payment, 402, message, code);
  if (http_status == 404) return make(ErrorClass::bad_request, 404, message, code);
  if (http_status == 408) return make(ErrorClass::timeout, 504, message, code);
  if (http_status == 429) return make(ErrorClass::rate_limited, 429, message, code);
  if (http_status >= 500) return make(ErrorClass::server, 502, message, code);
  return make(ErrorClass::bad_request, http_status >= 400 ? http_status : 502, message, code);
}

UpstreamError classify_stream_error(std::string_view error_type, std::string_view message, std::string_view reason,
                                    int64_t now_ms) {
  const std::string_view type = short_type(error_type);
  const std::string text = message.empty() ? std::string(type) : std::string(message);
  const std::string_view code = !reason.empty() ? reason : type;
  if (reason == "MONTHLY_REQUEST_COUNT") return quota_until_next_month(text, reason, now_ms);
  if (type == "ThrottlingException" || type == "TooManyRequestsException") {
    return make(ErrorClass::rate_limited, 429, text, code);
  }
  if (type == "ServiceQuotaExceededException") return quota_until_next_month(text, code, now_ms);
  if (type == "AccessDeniedException" || type == "UnauthorizedException" || type == "ExpiredTokenException") {
    return make(ErrorClass::auth, 403, text, code);
  }
  if (type == "ContentLengthExceededException" || context_too_long(text, reason)) {
    return make(ErrorClass::context_length, 400, text, code);
  }
  if (type == "ValidationException" || type == "ResourceNotFoundException" || type == "ConflictException" ||
      type == "BadRequestException") {
    return make(ErrorClass::bad_request, 400, text, code);
  }
  if (type == "ModelStreamErrorException" || type == "InternalServerException" ||
      type == "ServiceUnavailableException" || type == "InternalServerError") {
    return make(ErrorClass::server, 502, text, code);
  }
  // Unknown failures inside a stream: another candidate may well succeed.
  return make(ErrorClass::server, 502, text, code);
}

}  // namespace keyaos::kiro
