#pragma once
#include <cstdint>
#include <string>
#include <string_view>

// The Code Assist count: POST <base>/v1internal:countTokens
//   {"request":{"model":"models/<id>","contents":[…]}} → {"totalTokens":N}
namespace keyaos::google_v1internal {

// The count request for a generate envelope (what map_chat_request built).
// The method takes contents only, so the system instruction and the tool
// declarations are counted as the text of a first user turn: they are part
// of what the model reads. Empty when `envelope` has no request.contents.
std::string count_tokens_body(std::string_view envelope, std::string_view upstream_model);

// The Gemini API's count (AI Studio, POST /v1beta/models/{model}:countTokens)
// for an OpenAI chat body: {"generateContentRequest":{model, contents,
// systemInstruction, tools, toolConfig}}, which counts everything the model
// reads. Empty when the chat body cannot be mapped.
std::string gemini_count_tokens_body(std::string_view chat_body, std::string_view upstream_model);

// totalTokens of a countTokens answer (either API), or -1 when it has none.
int64_t read_total_tokens(std::string_view body);

}  // namespace keyaos::google_v1internal
