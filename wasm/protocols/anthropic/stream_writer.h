#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/anthropic/tool_names.h"
#include "protocols/common/client_protocol.h"

namespace keyaos::anthropic {

// Anthropic's stop_reason for an OpenAI finish_reason (a tool_use block
// emitted wins; a matched stop sequence gives "stop_sequence").
std::string stop_reason_for(std::string_view finish_reason, bool tool_emitted, bool stop_sequence_matched);

// Anthropic usage from the billed usage: the input fields are disjoint
// (input = prompt − cache read − cache write).
Json usage_object(const Usage& usage);

// Tool-use ids must match [A-Za-z0-9_-]+ (Claude Code checks); `fallback`
// is used when nothing is left.
std::string sanitize_tool_id(std::string_view id, std::string_view fallback);

// The synthetic signature closing a thinking block: opaque, stable for the
// same text, so Claude Code keeps and echoes the block.
std::string thinking_signature(std::string_view thinking);

// OpenAI chunk SSE → Anthropic SSE (`event: X\ndata: {...}\n\n`).
// Blocks get dense indices in start order and each is closed before the next
// opens. A tool block opens once its name is known (its argument fragments
// are held until then); while a tool block is open, whatever else arrives
// (another tool, text, reasoning) is queued and written after it, in arrival
// order, so interleaved upstream tool indices never split a block.
class StreamWriter : public ClientStreamWriter {
 public:
  // `message_id` is "msg_…"; `model` the name the client asked for.
  StreamWriter(std::string message_id, std::string model, std::shared_ptr<const ToolNames> names,
               std::vector<std::string> stop_sequences);

  void open(std::string& out) override;
  void feed(std::string_view openai_sse, std::string& out) override;
  void finish(const Usage& usage, std::string& out) override;
  void fail(const UpstreamError& error, std::string& out) override;
  void keepalive(std::string& out) override;

 private:
  enum class Kind { none, thinking, text, tool };
  struct Tool {
    int upstream_index = 0;
    std::string id, name, args;
    bool started = false;  // its block was opened
    bool queued = false;
  };
  struct Pending {
    Kind kind;
    std::string text;  // thinking or text
    size_t tool = 0;   // index into tools_
  };

  void event(std::string_view data_json_with_type, std::string_view type, std::string& out);
  void chunk(std::string_view json, std::string& out);
  void on_text(Kind kind, std::string_view text, std::string& out);
  void on_tool(int index, std::string_view id, std::string_view name, std::string_view args, bool has_id, bool has_name,
               std::string& out);
  void open_block(Kind kind, std::string& out);
  void open_tool(size_t slot, std::string& out);
  void emit_text(Kind kind, std::string_view text, std::string& out);
  void close_block(std::string& out);

  std::string message_id_;
  std::string model_;
  std::shared_ptr<const ToolNames> names_;
  std::vector<std::string> stop_sequences_;
  Kind open_ = Kind::none;
  size_t open_tool_ = 0;
  int next_index_ = 0;
  std::string thinking_text_;  // of the open thinking block, for its signature
  std::vector<Tool> tools_;
  std::vector<Pending> queue_;
  std::string finish_reason_;
  std::string matched_stop_;
  bool tool_emitted_ = false;
  bool finished_ = false;
};

}  // namespace keyaos::anthropic
