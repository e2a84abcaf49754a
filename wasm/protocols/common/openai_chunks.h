#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"

namespace keyaos {

// Writes OpenAI `chat.completion.chunk` SSE events for translated protocols.
// All chunks of one response share id, created and model, as OpenAI's do.
class OpenAIChunkWriter {
 public:
  OpenAIChunkWriter(std::string id, int64_t created_s, std::string model);

  // Each call appends one `data: {...}\n\n` event. The first content-bearing
  // call also emits the assistant role, as OpenAI's first chunk carries it.
  void content(std::string_view text, std::string& out);
  void reasoning(std::string_view text, std::string& out);
  // Opens tool call `index` with its id and name; `arguments` may be partial.
  void tool_call_start(int index, std::string_view id, std::string_view name,
                       std::string_view arguments, std::string& out);
  void tool_call_arguments(int index, std::string_view fragment, std::string& out);
  void finish(std::string_view finish_reason, std::string& out);
  // The `choices: []` usage chunk of stream_options.include_usage.
  void usage(const Usage& usage, std::string& out);
  static void done(std::string& out);  // data: [DONE]
  // A mid-stream error event, as OpenAI sends it: data: {"error":{...}}.
  static void error_event(const UpstreamError& error, std::string& out);

  bool role_sent() const { return role_sent_; }

 private:
  void emit_delta(const std::string& delta_json, std::string& out);
  // A text delta written without a json object; false for invalid UTF-8.
  bool emit_text_delta(std::string_view field, std::string_view text, std::string& out);
  std::string delta_prefix_;  // "data: {id, object, created, model,"choices":[{"index":0,"delta":
  std::string id_;
  int64_t created_s_;
  std::string model_;
  bool role_sent_ = false;
};

// Collects a translated response and renders one non-streaming
// `chat.completion` object.
struct ToolCallAccum {
  std::string id;
  std::string name;
  std::string arguments;
};

class OpenAICompletionBuilder {
 public:
  void content(std::string_view text) { content_.append(text); }
  void reasoning(std::string_view text) { reasoning_.append(text); }
  // Appends to tool call `index`, creating it when new.
  void tool_call(int index, std::string_view id, std::string_view name,
                 std::string_view arguments_fragment);
  void finish(std::string_view reason) { finish_reason_ = std::string(reason); }
  std::string render(std::string_view id, int64_t created_s, std::string_view model,
                     const Usage& usage) const;

 private:
  std::string content_;
  std::string reasoning_;
  std::vector<ToolCallAccum> tool_calls_;
  std::string finish_reason_ = "stop";
};

// OpenAI `usage` object (with prompt/completion token details).
std::string usage_json(const Usage& usage);

}  // namespace keyaos
