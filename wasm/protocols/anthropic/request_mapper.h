#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.h"
#include "protocols/anthropic/tool_names.h"

namespace keyaos::anthropic {

// An Anthropic Messages body mapped to an OpenAI chat body.
struct MappedRequest {
  std::string chat_body;
  std::string model;  // as the client named it
  bool stream = false;
  ToolNames tool_names;
  std::vector<std::string> stop_sequences;
  // Images and base64 documents: their bytes say little about tokens.
  int64_t media_count = 0;
  int64_t media_bytes = 0;
};

struct MapOptions {
  bool require_max_tokens = true;  // count_tokens bodies have none
  // The models to route the client's model name to (first: `model`, then
  // `models` fallbacks); unset routes the name as it is.
  std::function<std::vector<std::string>(const std::string&)> route_models;
};

// Reads the client's body once (simdjson On-Demand) and writes the chat
// body. Unknown fields and block types are ignored or carried as text; a
// body that is not a Messages request fills `error` (400) and returns false.
bool map_messages_request(std::string_view body, MappedRequest& out, ApiError& error, MapOptions options = {});

// Input tokens of a mapped request, estimated: the chat body's bytes (less
// media) at about 4 bytes a token, plus a constant per image or document.
int64_t estimate_input_tokens(const MappedRequest& mapped);
inline constexpr int64_t kTokensPerMedia = 1600;

// reasoning_effort for an Anthropic thinking budget ("" = none).
std::string effort_for_budget(int64_t budget_tokens);

}  // namespace keyaos::anthropic
