#pragma once
#include <string>

#include "protocols/common/upstream_error.h"

namespace keyaos::responses {

// The `error` of a `response.failed` event, with the codes Codex acts on:
// context_length_exceeded (it compacts), insufficient_quota (it stops),
// rate_limit_exceeded with "Please try again in Ns." (it waits that long),
// anything else server_error (it retries with backoff).
struct FailureError {
  std::string code;
  std::string message;
};
FailureError failure_error(const UpstreamError& error);

}  // namespace keyaos::responses
