#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "protocols/common/client_protocol.h"
#include "protocols/responses/chat_reader.h"
#include "protocols/responses/tool_names.h"
#include "simdjson.h"

namespace keyaos::responses {

// Renders the engine's OpenAI chat chunks as a Responses event stream
// (`event: <type>` + `data: {..., "sequence_number": n}`), as Codex and the
// OpenAI SDK's accumulator read it:
// - one item is open at a time; a change of kind (reasoning, text, tools)
//   closes it before the next is added, so output_index is dense and
//   append-only and every `.done` follows its `added`;
// - tool calls are gathered while their chunks arrive (id, name and
//   arguments may come in any order and in any number of chunks) and each is
//   written whole when the stream moves on or ends, since Codex runs a call
//   from its `output_item.done`;
// - the terminal event carries the full output and usage: response.completed,
//   response.incomplete (length, content filter) or response.failed.
class StreamWriter : public ClientStreamWriter {
 public:
  StreamWriter(ClientResponseContext context, ToolNames tools);

  void open(std::string& out) override;
  void feed(std::string_view openai_sse, std::string& out) override;
  void finish(const Usage& usage, std::string& out) override;
  void fail(const UpstreamError& error, std::string& out) override;
  void keepalive(std::string& out) override;

  // Upstream tool-call fragments that arrived after their call was written.
  int64_t dropped_fragments() const { return dropped_fragments_; }

 private:
  enum class Open { none, reasoning, message };
  struct PendingCall {
    int upstream_index = 0;
    std::string id;
    std::string name;
    std::string arguments;
    bool written = false;
  };
  using ToolFragment = chat_reader::ToolCallPart;

  void event(const char* type, Json data, std::string& out);
  // A text or reasoning summary delta of the open item, without a tree.
  void delta_event(bool reasoning, std::string_view delta, std::string& out);
  void on_chunk(std::string_view json, std::string& out);
  void reasoning(const std::string& text, std::string& out);
  void text(const std::string& text, std::string& out);
  void tool_fragment(const ToolFragment& fragment);
  void close_open(std::string& out);
  void write_calls(std::string& out);
  void terminal(const char* type, Json response, std::string& out);

  ClientResponseContext context_;
  ToolNames tools_;
  simdjson::ondemand::parser parser_;
  int64_t sequence_ = 0;
  Json output_ = Json::array();  // every written item, in its final form
  Open open_ = Open::none;
  std::string open_id_;
  std::string open_text_;
  std::vector<PendingCall> calls_;
  std::string finish_reason_;
  bool ended_ = false;
  int64_t dropped_fragments_ = 0;
};

}  // namespace keyaos::responses
