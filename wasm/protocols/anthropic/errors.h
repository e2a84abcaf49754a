#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/api_error.h"

namespace keyaos::anthropic {

// Anthropic's error type for an HTTP status (400 invalid_request_error,
// 401 authentication_error, 402 billing_error, 403 permission_error,
// 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 504 timeout_error, 529 overloaded_error, other 5xx api_error).
const char* error_type_for_status(int status);

// True when the error says the prompt does not fit the model's context.
bool is_context_length_error(const ApiError& error);

// "prompt is too long: N tokens > M maximum", the text Claude Code compacts
// on. N and M come from the upstream's message when it has them; otherwise
// N is `estimated_prompt_tokens` (and M just below it).
std::string context_length_message(std::string_view upstream_message, int64_t estimated_prompt_tokens);

// {"type":"error","error":{"type","message"},"request_id":null}
std::string error_json(std::string_view type, std::string_view message);
std::string error_body(const ApiError& error, int64_t estimated_prompt_tokens);

}  // namespace keyaos::anthropic
