#pragma once
#include <string>
#include <string_view>

#include "protocols/common/client_protocol.h"
#include "protocols/responses/tool_names.h"

namespace keyaos::responses {

// A whole `chat.completion` as a Responses `response` object: reasoning,
// message and tool-call items in that order, the status from finish_reason,
// the billed usage and the `output_text` convenience string.
std::string render_body(std::string_view chat_completion, const Usage& usage, const ClientResponseContext& context,
                        const ToolNames& tools);

}  // namespace keyaos::responses
