#include "protocols/responses/errors.h"

namespace keyaos::responses {

FailureError failure_error(const UpstreamError& e) {
  FailureError out;
  out.message = e.message.empty() ? std::string("The upstream stream failed.") : e.message;
  if (e.error_class == ErrorClass::context_length || e.code == "context_length_exceeded") {
    out.code = "context_length_exceeded";
  } else if (e.error_class == ErrorClass::payment || e.error_class == ErrorClass::unaffordable || e.code == "insufficient_quota") {
    out.code = "insufficient_quota";
  } else if (e.error_class == ErrorClass::rate_limited || e.error_class == ErrorClass::quota_exhausted) {
    out.code = "rate_limit_exceeded";
    // Without a hint from the upstream, the gateway's own retry-after default.
    const int64_t seconds = e.retry_after_ms >= 0 ? (e.retry_after_ms + 999) / 1000 : 30;
    out.message += " Please try again in " + std::to_string(seconds) + "s.";
  } else {
    out.code = "server_error";
  }
  return out;
}

}  // namespace keyaos::responses
