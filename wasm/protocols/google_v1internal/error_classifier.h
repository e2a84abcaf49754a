#pragma once
#include <cstdint>
#include <string_view>

#include "protocols/common/upstream_error.h"

namespace keyaos::google_v1internal {

// Classifies a failed Code Assist or Google OAuth answer: the Google RPC shape
// {"error":{"code","message","status","details":[ErrorInfo, RetryInfo,
// QuotaFailure…]}}, the OAuth shape {"error":"invalid_grant",…}, or any other
// body. `http_status` below 400 (an error event inside a 200 stream) defers to
// the code in the body. `now_ms` turns reset times into retry delays.
UpstreamError classify_error(int http_status, std::string_view body, int64_t now_ms);

}  // namespace keyaos::google_v1internal
