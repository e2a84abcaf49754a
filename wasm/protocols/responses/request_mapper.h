#pragma once
#include <string>
#include <string_view>

#include "core/api_error.h"
#include "protocols/responses/tool_names.h"

namespace keyaos::responses {

// A POST /v1/responses body, mapped once to a /v1/chat/completions body.
struct MappedRequest {
  std::string chat_body;
  std::string model;
  bool stream = false;
  ToolNames tools;  // to turn the answer's tool calls back into the client's tools
};

// `instructions` and `input` become messages (developer → system; function
// and custom tool calls with their outputs → one assistant turn with
// tool_calls, then its tool messages; reasoning summaries →
// reasoning_content), tools are flattened to functions, and the settings
// that have a chat equivalent are renamed. Server-side state
// (`previous_response_id`, `conversation`) is refused: none is kept.
// On failure fills `error` (400, OpenAI shape, `param` naming the field).
bool map_request(std::string_view body, MappedRequest& out, ApiError& error);

}  // namespace keyaos::responses
