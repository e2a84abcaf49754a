#pragma once
#include <string_view>

namespace keyaos::google_v1internal {

// OpenAI finish_reason for a Gemini FinishReason. `called_tools`: the turn
// emitted function calls, which OpenAI reports as "tool_calls".
std::string_view openai_finish_reason(std::string_view gemini_reason, bool called_tools);

}  // namespace keyaos::google_v1internal
