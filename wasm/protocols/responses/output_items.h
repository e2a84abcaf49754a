#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "core/json.h"
#include "protocols/common/client_protocol.h"
#include "protocols/responses/tool_names.h"

namespace keyaos::responses {

// Pieces of a Responses `response` object, shared by the stream writer and
// the non-streamed renderer so both describe an answer the same way.

// "resp_<nonce>"; items are "<prefix>_<nonce>_<output index>", unique in the response.
std::string response_id(const ClientResponseContext& context);
std::string item_id(std::string_view prefix, const ClientResponseContext& context, size_t index);

// An upstream tool call in the client's terms.
struct ClientCall {
  bool custom = false;
  std::string name;
  std::string namespace_;
  std::string arguments;  // function tools: JSON text ("{}" when the upstream sent none)
  std::string input;      // custom tools: the freeform input
};
ClientCall client_call(const ToolNames& tools, std::string_view chat_name, std::string_view arguments);

Json reasoning_item(const std::string& id, const std::string& text);
Json message_item(const std::string& id, const std::string& text, const char* status);
Json output_text_part(const std::string& text);
// function_call or custom_tool_call; `done` false gives the item as first announced.
Json call_item(const std::string& id, const std::string& call_id, const ClientCall& call, bool done);

// OpenAI Responses usage: input includes cached tokens, output includes reasoning.
Json usage_object(const Usage& usage);

// status: in_progress | completed | incomplete | failed.
Json response_object(const ClientResponseContext& context, const char* status, Json output);

// The response status and incomplete reason of a chat finish_reason.
struct Outcome {
  const char* status = "completed";
  const char* incomplete_reason = nullptr;  // max_output_tokens | content_filter
};
Outcome outcome_of(std::string_view finish_reason);

}  // namespace keyaos::responses
