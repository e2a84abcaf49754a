#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "protocols/anthropic/tool_names.h"
#include "protocols/common/usage.h"

namespace keyaos::anthropic {

// A whole `chat.completion` as an Anthropic message:
// {id, type:"message", role, model, content:[thinking?, text?, tool_use*],
//  stop_reason, stop_sequence, usage}. `model` is the client's model name.
std::string render_message(std::string_view chat_completion, const Usage& usage, std::string_view id, std::string_view model,
                           const ToolNames* names, const std::vector<std::string>& stop_sequences);

}  // namespace keyaos::anthropic
