#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/aws_eventstream/decoder.h"
#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"
#include "core/json_read.h"
#include "protocols/kiro/thinking_splitter.h"
#include "protocols/kiro/token_estimate.h"

namespace keyaos::kiro {

// Settings shared by the streaming and non-streaming translations.
struct ReplyOptions {
  std::string response_id;    // "chatcmpl-…", chosen by the caller
  int64_t created_s = 0;      // Unix seconds
  std::string model;          // model name reported to the client
  int64_t context_window = 200000;    // of the Kiro model; see context_window()
  int64_t prompt_tokens_estimate = 0; // MappedRequest::prompt_tokens_estimate of the request
  bool thinking = false;      // MappedRequest::thinking: split a leading <thinking> block off
  int64_t now_ms = 0;         // dates quota resets of in-stream errors
  aws_eventstream::DecoderLimits limits;
};

// Receives a Kiro reply as OpenAI-level pieces.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual void text(std::string_view text) = 0;
  virtual void reasoning(std::string_view text) = 0;
  virtual void tool_call_start(int index, std::string_view id, std::string_view name, std::string_view arguments) = 0;
  virtual void tool_call_arguments(int index, std::string_view fragment) = 0;
};

// Decodes Kiro's event stream and turns its events into ReplySink calls,
// tool-call bookkeeping, usage and a finish reason. Errors (exception and
// error frames, undecodable bytes) stop it for good.
class ReplyReader {
 public:
  ReplyReader(ReplySink& sink, const ReplyOptions& options);

  void feed(std::string_view bytes);
  // The upstream closed; completes open pieces. False when the reply failed.
  bool finish();

  bool failed() const { return failed_; }
  const UpstreamError& error() const { return error_; }
  bool content_started() const { return content_started_; }
  bool stop_event_seen() const { return stop_event_seen_; }
  // "stop", "tool_calls", "length" or "content_filter"; final after finish().
  std::string finish_reason() const;
  // Kept current after every feed; final after finish().
  const Usage& usage() const { return usage_; }
  // Kiro credits charged (meteringEvent), the only cost signal Kiro gives.
  double credits() const { return credits_; }

 private:
  struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;
    bool stopped = false;
  };

  void handle_message(const aws_eventstream::Message& message, int depth);
  void handle_event(std::string_view event_type, std::string_view payload);
  // The string field `name` of a JSON event payload (empty when absent).
  std::string string_member(std::string_view payload, std::string_view name);
  void on_text_event(std::string_view payload);
  void on_reasoning_event(std::string_view payload);
  void on_tool_event(std::string_view payload);
  void on_context_usage(std::string_view payload);
  void on_metering(std::string_view payload);
  void on_metadata(std::string_view payload);
  void on_stop(std::string_view payload);
  void fail(UpstreamError error);
  void fail_stream(std::string message);

  void emit_text(std::string_view text);
  void emit_reasoning(std::string_view text);
  void close_tool(size_t index);
  void update_usage();

  ReplySink& sink_;
  ReplyOptions options_;
  aws_eventstream::Decoder decoder_;
  std::vector<aws_eventstream::Message> messages_;
  json_read::Input json_;
  std::unique_ptr<ThinkingSplitter> splitter_;

  std::vector<ToolCall> tools_;
  TokenEstimator output_tokens_;
  TokenEstimator reasoning_tokens_;
  int64_t context_prompt_tokens_ = -1;
  // tokenUsage of a metadata event, when Kiro sends one.
  int64_t reported_input_ = -1, reported_output_ = -1, reported_cache_read_ = 0, reported_cache_write_ = 0;
  double credits_ = 0;
  std::string stop_reason_;
  Usage usage_;
  UpstreamError error_;
  uint64_t events_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  bool content_started_ = false;
  bool stop_event_seen_ = false;
};

}  // namespace keyaos::kiro
