#pragma once
#include <cstdint>
#include <string>
#include <string_view>


namespace keyaos::kiro {

struct RequestOptions {
  std::string_view conversation_id;        // a UUID from the caller
  std::string_view profile_arn;            // empty: omitted (IdC / Builder ID logins have none)
  std::string_view agent_continuation_id;  // optional UUID
  std::string_view origin = "AI_EDITOR";   // "CLI" draws on the Amazon Q CLI quota instead
  std::string_view model;                  // the model to map to; empty: the body's own
};

struct MappedRequest {
  bool ok = false;
  std::string body;      // generateAssistantResponse JSON
  std::string model_id;  // Kiro modelId sent
  // Thinking was requested through the prompt; the reply may carry it as
  // reasoningContentEvent or as a leading <thinking>…</thinking> block.
  bool thinking = false;
  // Estimated prompt tokens, for when Kiro reports none: message text, tool
  // calls and results, tool definitions, per-message framing and a flat
  // 1000 per image (see token_estimate.h for the text model).
  int64_t prompt_tokens_estimate = 0;
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
//
// The body is read once, with simdjson On-Demand; only tool schemas and call
// arguments, which are rewritten, become trees.
MappedRequest map_chat_request(std::string_view openai_body, const RequestOptions& options);

}  // namespace keyaos::kiro
