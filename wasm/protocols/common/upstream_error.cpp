#include "protocols/common/upstream_error.h"

#include "core/secrets.h"

namespace keyaos {

UpstreamError client_view(UpstreamError e) {
  if (e.error_class == ErrorClass::auth || e.error_class == ErrorClass::payment) {
    e.message = "The upstream refused the gateway's credential" +
                (e.http_status ? " (HTTP " + std::to_string(e.http_status) + ")" : std::string()) + ".";
    return e;
  }
  e.message = redact_credential_details(e.message);
  return e;
}

const char* error_class_name(ErrorClass c) {
  switch (c) {
    case ErrorClass::none: return "none";
    case ErrorClass::rate_limited: return "rate_limited";
    case ErrorClass::quota_exhausted: return "quota_exhausted";
    case ErrorClass::auth: return "auth";
    case ErrorClass::payment: return "payment";
    case ErrorClass::unaffordable: return "unaffordable";
    case ErrorClass::forbidden: return "forbidden";
    case ErrorClass::server: return "server";
    case ErrorClass::timeout: return "timeout";
    case ErrorClass::network: return "network";
    case ErrorClass::stream: return "stream";
    case ErrorClass::bad_request: return "bad_request";
    case ErrorClass::context_length: return "context_length";
    case ErrorClass::content_policy: return "content_policy";
  }
  return "none";
}

bool error_class_fails_over(ErrorClass c) {
  switch (c) {
    case ErrorClass::bad_request:
    case ErrorClass::context_length:
    case ErrorClass::content_policy:
    case ErrorClass::none:
      return false;
    default:
      return true;
  }
}

HealthEffect health_effect(ErrorClass c) {
  switch (c) {
    case ErrorClass::auth:
      return HealthEffect::dead;
    case ErrorClass::payment:
    case ErrorClass::rate_limited:
    case ErrorClass::quota_exhausted:
    case ErrorClass::forbidden:
    case ErrorClass::server:
    case ErrorClass::timeout:
    case ErrorClass::network:
    case ErrorClass::stream:
      return HealthEffect::cooldown;
    case ErrorClass::unaffordable:
    case ErrorClass::bad_request:
    case ErrorClass::context_length:
    case ErrorClass::content_policy:
    case ErrorClass::none:
      return HealthEffect::none;
  }
  return HealthEffect::none;
}

}  // namespace keyaos
