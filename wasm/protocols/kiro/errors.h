#pragma once
#include <cstdint>
#include <string_view>

#include "protocols/common/upstream_error.h"

namespace keyaos::kiro {

// Classifies a non-2xx answer of generateAssistantResponse (JSON body
// {"message","reason"}, sometimes with "__type"). `now_ms` dates quota resets:
// a 402 MONTHLY_REQUEST_COUNT is exhausted until the next month starts (UTC).
// A 403 is `auth`: the caller refreshes the access token once and retries
// before it gives up on the credential.
UpstreamError classify_error(int http_status, std::string_view body, int64_t now_ms);

// Classifies an error delivered inside a 200 event stream: an exception
// frame (`:exception-type`, payload message), an error frame (`:error-code`,
// `:error-message`) or a JSON payload with a `_type`/`__type` such as
// "com.amazon.aws.codewhisperer#ValidationException".
UpstreamError classify_stream_error(std::string_view error_type, std::string_view message, std::string_view reason,
                                    int64_t now_ms);

}  // namespace keyaos::kiro
