#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keyaos::kiro {

struct RequestOptions {
  std::string_view conversation_id;        // a UUID from the caller
  std::string_view profile_arn;            // empty: omitted (IdC / Builder ID logins have none)
  std::string_view agent_continuation_id;  // optional UUID
  std::string_view origin = "AI_EDITOR";   // "CLI" draws on the Amazon Q CLI quota instead
};

struct MappedRequest {
  bool ok = false;
  std::string body;      // generateAssistantResponse JSON
  std::string model_id;  // Kiro modelId sent
  // Thinking was requested through the prompt; the reply may carry it as
  // reasoningContentEvent or as a leading <thinking>…</thinking> block.
  bool thinking = false;
  std::string error;  // the client's request cannot be expressed for Kiro
};

// OpenAI chat request → generateAssistantResponse body.
//
// - system/developer messages are joined and prepended to the first user turn;
// - consecutive same-role turns are merged, so history alternates user/assistant;
// - assistant tool_calls become toolUses; tool messages become toolResults on
//   the following user turn; unmatched tool uses are dropped and unmatched
//   results are kept as text, since Kiro refuses unpaired ones;
// - the last user turn becomes currentMessage, carrying the tool definitions;
//   tools used in history but missing from `tools` get stub definitions;
//   trailing assistant messages (prefill) are dropped, as Kiro has no prefill;
// - image_url parts with base64 data URLs become images (png/jpeg/gif/webp);
// - tool_choice and response_format, which Kiro lacks, become instructions;
// - reasoning_effort / reasoning / thinking enable thinking through the
//   <thinking_mode> prompt prefix.
MappedRequest map_chat_request(const nlohmann::json& openai_request, const RequestOptions& options);

}  // namespace keyaos::kiro
