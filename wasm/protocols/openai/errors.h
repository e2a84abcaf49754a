#pragma once
#include <cstdint>
#include <string_view>

#include "protocols/common/upstream_error.h"

namespace keyaos::openai {

// Classifies a non-2xx answer of an OpenAI-compatible upstream. Understands
// the OpenAI, OpenRouter ({"error":{"code":402,...}}) and DeepSeek shapes;
// `retry_after` is the raw Retry-After header value (may be empty).
UpstreamError classify_http_error(int status, std::string_view body, std::string_view retry_after, int64_t now_ms);

// Classifies the `error` object of an in-stream error event (raw JSON).
UpstreamError classify_stream_error(std::string_view error_json);

// Retry-After: delta-seconds or an HTTP date. Returns ms, or -1.
int64_t parse_retry_after(std::string_view value, int64_t now_ms);

}  // namespace keyaos::openai
