#include "protocols/google_v1internal/error_classifier.h"

#include <string>
#include <vector>

#include "core/text.h"
#include "protocols/google_v1internal/google_time.h"
#include "core/json_read.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {
namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

// gemini-cli treats a retry delay above five minutes as a terminal quota.
constexpr int64_t kTerminalRetryDelayMs = 300'000;

// What a Google error body says, read once.
struct GoogleError {
  int64_t code = 0;
  std::string message;
  std::string status;        // RPC status, e.g. RESOURCE_EXHAUSTED
  std::string reason;        // ErrorInfo.reason
  std::string oauth_error;   // OAuth token endpoint: "invalid_grant", …
  int64_t retry_delay_ms = -1;        // RetryInfo.retryDelay
  int64_t quota_reset_delay_ms = -1;  // ErrorInfo.metadata.quotaResetDelay
  int64_t quota_reset_at_ms = -1;     // ErrorInfo.metadata.quotaResetTimeStamp
  std::string validation_url;
  std::vector<std::string> quota_ids;  // QuotaFailure.violations[].quotaId
};

void read_metadata(object metadata, GoogleError& e) {
  json_read::each_member(metadata, [&e](std::string_view key, value& v) {
    std::string_view text;
    int64_t ms;
    if (!json_read::string(v, text)) return true;
    if (key == "quotaResetDelay" && parse_duration_ms(text, ms)) e.quota_reset_delay_ms = ms;
    else if (key == "quotaResetTimeStamp" && parse_rfc3339_ms(text, ms)) e.quota_reset_at_ms = ms;
    else if (key == "validationUrl" || key == "validation_url") e.validation_url = std::string(text);
    return true;
  });
}

void read_detail(object detail, GoogleError& e) {
  json_read::each_member(detail, [&e](std::string_view key, value& v) {
    std::string_view text;
    object metadata;
    if (key == "reason" && json_read::string(v, text)) {
      if (e.reason.empty()) e.reason = std::string(text);
    } else if (key == "retryDelay" && json_read::string(v, text)) {
      int64_t ms;
      if (parse_duration_ms(text, ms)) e.retry_delay_ms = ms;
    } else if (key == "metadata" && json_read::object(v, metadata)) {
      read_metadata(metadata, e);
    } else if (key == "violations") {
      json_read::each_object(v, [&e](object& violation) {
        json_read::each_member(violation, [&e](std::string_view k, value& field) {
          std::string_view id;
          if (k == "quotaId" && json_read::string(field, id)) e.quota_ids.emplace_back(id);
          return true;
        });
      });
    } else if (key == "links") {
      // Help links of VALIDATION_REQUIRED carry the page to verify the account.
      json_read::each_object(v, [&e](object& link) {
        value url;
        std::string_view text;
        if (json_read::member(link, "url", url) && json_read::string(url, text) && e.validation_url.empty())
          e.validation_url = std::string(text);
      });
    }
    return true;
  });
}

void read_rpc_error(object error, GoogleError& e) {
  json_read::each_member(error, [&e](std::string_view key, value& v) {
    std::string_view text;
    if (key == "code") {
      json_read::int64(v, e.code);
    } else if (key == "message" && json_read::string(v, text)) {
      e.message = std::string(text);
    } else if (key == "status" && json_read::string(v, text)) {
      e.status = std::string(text);
    } else if (key == "details") {
      json_read::each_object(v, [&e](object& detail) { read_detail(detail, e); });
    }
    return true;
  });
}

// Top level: {"error":{…}} or {"error":"invalid_grant","error_description":…}.
void read_top_level(object top, GoogleError& e) {
  json_read::each_member(top, [&e](std::string_view key, value& v) {
    std::string_view text;
    if (key == "error") {
      json_type type;
      if (!json_read::type_of(v, type)) return false;
      object error;
      if (type == json_type::object && json_read::object(v, error)) read_rpc_error(error, e);
      else if (type == json_type::string && json_read::string(v, text)) e.oauth_error = std::string(text);
    } else if (key == "error_description" && json_read::string(v, text)) {
      e.message = std::string(text);
    }
    return true;
  });
}

bool parse_google_error(std::string_view body, GoogleError& e) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  json_type type;
  if (doc.type().get(type)) return false;
  if (type == json_type::object) {
    object top;
    if (doc.get_object().get(top)) return false;
    read_top_level(top, e);
    return true;
  }
  if (type == json_type::array) {
    // streamGenerateContent without alt=sse wraps even errors in an array.
    simdjson::ondemand::array items;
    if (doc.get_array().get(items)) return false;
    for (auto item_result : items) {
      value item;
      object top;
      if (std::move(item_result).get(item) || item.get_object().get(top)) return false;
      read_top_level(top, e);
      return true;
    }
  }
  return false;
}

bool is_context_length_message(std::string_view message) {
  return contains_ascii_ci(message, "input token count") || contains_ascii_ci(message, "exceeds the maximum number of tokens") ||
         contains_ascii_ci(message, "context length") || contains_ascii_ci(message, "context window") ||
         contains_ascii_ci(message, "prompt is too long") || contains_ascii_ci(message, "too many tokens");
}

// A PERMISSION_DENIED about one model (not enabled for the tier) or about the
// caller's location, rather than about the account.
bool denies_model_or_region(const GoogleError& e) {
  if (e.reason == "VALIDATION_REQUIRED" || e.reason == "SECURITY_POLICY_VIOLATED" || e.reason == "SERVICE_DISABLED" ||
      e.reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" || e.reason == "API_KEY_INVALID" || e.reason == "CONSUMER_SUSPENDED")
    return false;
  if (e.reason == "MODEL_NOT_ALLOWED" || e.reason == "LOCATION_NOT_SUPPORTED" || e.reason == "USER_LOCATION_NOT_SUPPORTED")
    return true;
  const std::string& m = e.message;
  bool names_model = contains_ascii_ci(m, "model");
  return contains_ascii_ci(m, "location is not supported") || contains_ascii_ci(m, "not available in your country") ||
         contains_ascii_ci(m, "region is not supported") ||
         (names_model && (contains_ascii_ci(m, "not allowed") || contains_ascii_ci(m, "not available") ||
                          contains_ascii_ci(m, "not enabled") || contains_ascii_ci(m, "does not have access") ||
                          contains_ascii_ci(m, "not supported") || contains_ascii_ci(m, "no access")));
}

bool is_daily_quota_id(std::string_view quota_id) {
  return contains_ascii_ci(quota_id, "PerDay") || contains_ascii_ci(quota_id, "Daily");
}

// Plain-text hints such as "Please retry in 12.5s" or "reset after 3s".
int64_t delay_from_message(std::string_view message) {
  for (std::string_view marker : {std::string_view("retry in "), std::string_view("reset after ")}) {
    for (size_t i = 0; i + marker.size() <= message.size(); ++i) {
      if (!contains_ascii_ci(message.substr(i, marker.size()), marker)) continue;
      size_t start = i + marker.size();
      size_t end = start;
      while (end < message.size() && message[end] != ' ' && message[end] != ',' &&
             !(message[end] == '.' && (end + 1 == message.size() || message[end + 1] == ' '))) {
        ++end;
      }
      int64_t ms;
      if (parse_duration_ms(message.substr(start, end - start), ms)) return ms;
    }
  }
  return -1;
}

// Delay the upstream asked for, best source first.
int64_t requested_delay_ms(const GoogleError& e, int64_t now_ms) {
  if (e.retry_delay_ms >= 0) return e.retry_delay_ms;
  if (e.quota_reset_delay_ms >= 0) return e.quota_reset_delay_ms;
  if (e.quota_reset_at_ms >= 0) return e.quota_reset_at_ms > now_ms ? e.quota_reset_at_ms - now_ms : 0;
  return delay_from_message(e.message);
}

UpstreamError make(ErrorClass cls, int status, std::string message, std::string type, std::string code,
                   int64_t retry_after_ms = -1) {
  UpstreamError err;
  err.error_class = cls;
  err.http_status = status;
  err.message = std::move(message);
  err.type = std::move(type);
  err.code = std::move(code);
  err.retry_after_ms = retry_after_ms;
  return err;
}

std::string or_default(const std::string& message, std::string_view fallback) {
  return message.empty() ? std::string(fallback) : message;
}

}  // namespace

UpstreamError classify_error(int http_status, std::string_view body, int64_t now_ms) {
  GoogleError e;
  bool structured = parse_google_error(body, e);
  if (!structured) {
    // Not JSON (an HTML error page, a proxy message): keep a short excerpt.
    std::string_view excerpt = body.substr(0, body.size() < 300 ? body.size() : 300);
    e.message = std::string(excerpt);
  }
  int status = http_status;
  if (status < 400 && e.code >= 400 && e.code < 600) status = static_cast<int>(e.code);
  const std::string& reason = e.reason;

  if (!e.oauth_error.empty()) {
    // Token endpoint: a dead or foreign refresh token, or a misconfigured client.
    if (status == 429) {
      return make(ErrorClass::rate_limited, 429, or_default(e.message, "OAuth token endpoint rate limited"),
                  "rate_limit_error", "rate_limit_exceeded", requested_delay_ms(e, now_ms));
    }
    if (status >= 500) {
      return make(ErrorClass::server, 503, or_default(e.message, "OAuth token endpoint unavailable"), "server_error",
                  e.oauth_error);
    }
    std::string message = "Google OAuth refresh failed (" + e.oauth_error + ")";
    if (!e.message.empty()) message += ": " + e.message;
    return make(ErrorClass::auth, 401, message, "authentication_error", e.oauth_error);
  }

  if (reason == "MODEL_CAPACITY_EXHAUSTED" || reason == "MODEL_CAPACITY_EXCEEDED") {
    return make(ErrorClass::server, 503, or_default(e.message, "The model has no capacity available"),
                "service_unavailable_error", "server_is_overloaded", e.retry_delay_ms);
  }
  if (reason == "INSUFFICIENT_G1_CREDITS_BALANCE") {
    return make(ErrorClass::payment, 402, or_default(e.message, "Google One AI credits are exhausted"),
                "insufficient_quota", "insufficient_credits");
  }
  if ((status == 403 || e.status == "PERMISSION_DENIED") && status != 401 && e.status != "UNAUTHENTICATED" &&
      denies_model_or_region(e)) {
    // The account works, but not for this model or from here: another candidate may serve it.
    std::string code = !reason.empty() ? ascii_lower(reason) : "permission_denied";
    return make(ErrorClass::forbidden, 403, or_default(e.message, "Google refused this model for the account"),
                "permission_error", code);
  }
  if (status == 401 || status == 403 || e.status == "UNAUTHENTICATED" || e.status == "PERMISSION_DENIED") {
    // Code Assist checks permissions on the account's project: a refusal that names no model is the account's.
    std::string message = or_default(e.message, "Google rejected the credential");
    if (reason == "VALIDATION_REQUIRED" && !e.validation_url.empty()) {
      message += " (verify the account at " + e.validation_url + ")";
    }
    std::string code = !reason.empty() ? ascii_lower(reason) : !e.status.empty() ? ascii_lower(e.status) : "invalid_credentials";
    return make(ErrorClass::auth, 401, message, "authentication_error", code);
  }
  if (status == 429 || e.status == "RESOURCE_EXHAUSTED") {
    int64_t delay = requested_delay_ms(e, now_ms);
    bool daily = false;
    for (const auto& id : e.quota_ids) daily = daily || is_daily_quota_id(id);
    if (reason == "QUOTA_EXHAUSTED" || daily || delay > kTerminalRetryDelayMs) {
      if (delay < 0) delay = next_pacific_midnight_ms(now_ms) - now_ms;
      return make(ErrorClass::quota_exhausted, 429, or_default(e.message, "Quota exhausted"), "insufficient_quota",
                  "insufficient_quota", delay);
    }
    return make(ErrorClass::rate_limited, 429, or_default(e.message, "Rate limit exceeded"), "rate_limit_error",
                "rate_limit_exceeded", delay);
  }
  if (status == 404 || e.status == "NOT_FOUND") {
    return make(ErrorClass::bad_request, 404, or_default(e.message, "Model not found"), "invalid_request_error",
                "model_not_found");
  }
  if (status == 400 || status == 413 || status == 422 || e.status == "INVALID_ARGUMENT" ||
      e.status == "FAILED_PRECONDITION") {
    if (is_context_length_message(e.message)) {
      return make(ErrorClass::context_length, 400, e.message, "invalid_request_error", "context_length_exceeded");
    }
    std::string code = !reason.empty() ? ascii_lower(reason) : !e.status.empty() ? ascii_lower(e.status) : "invalid_request";
    return make(ErrorClass::bad_request, 400, or_default(e.message, "The upstream rejected the request"),
                "invalid_request_error", code);
  }
  if (status >= 400 && status < 500 && status != 408 && status != 499) {
    std::string code = !e.status.empty() ? ascii_lower(e.status) : "invalid_request";
    return make(ErrorClass::bad_request, status, or_default(e.message, "The upstream rejected the request"),
                "invalid_request_error", code);
  }
  // 5xx, 408/499 (deadline, cancelled) and anything unrecognised: another candidate may work.
  bool unavailable = status == 503 || e.status == "UNAVAILABLE";
  return make(ErrorClass::server, unavailable ? 503 : (status >= 500 && status < 600 ? status : 502),
              or_default(e.message, "The upstream failed"), unavailable ? "service_unavailable_error" : "server_error",
              unavailable ? "server_is_overloaded" : (e.status.empty() ? "server_error" : ascii_lower(e.status)),
              e.retry_delay_ms);
}

}  // namespace keyaos::google_v1internal
