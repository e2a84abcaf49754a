#pragma once
#include <string>
#include <string_view>

#include "protocols/common/openai_chunks.h"
#include "protocols/common/stream_translator.h"
#include "protocols/kiro/reply_reader.h"

namespace keyaos::kiro {

// Kiro's event stream → OpenAI chat.completion.chunk SSE.
// Text becomes delta.content, reasoning delta.reasoning_content, tool uses
// tool_calls (id = Kiro's toolUseId, index in order of appearance). On
// success finish() writes the finish chunk ("tool_calls" after a completed
// tool use, else "stop"), the usage chunk and [DONE].
class KiroStreamTranslator final : public StreamTranslator {
 public:
  explicit KiroStreamTranslator(const ReplyOptions& options);
  KiroStreamTranslator(const KiroStreamTranslator&) = delete;
  KiroStreamTranslator& operator=(const KiroStreamTranslator&) = delete;

  void feed(std::string_view bytes, std::string& out) override;
  void finish(std::string& out) override;

  bool content_started() const override { return reader_.content_started(); }
  bool finished() const override { return finished_; }
  bool failed() const override { return reader_.failed(); }
  const UpstreamError& error() const override { return reader_.error(); }
  const Usage& usage() const override { return reader_.usage(); }

  // Kiro credits the request consumed (meteringEvent).
  double credits() const { return reader_.credits(); }

 private:
  class ChunkSink final : public ReplySink {
   public:
    explicit ChunkSink(const ReplyOptions& options) : writer(options.response_id, options.created_s, options.model) {}
    void text(std::string_view text) override { writer.content(text, *out); }
    void reasoning(std::string_view text) override { writer.reasoning(text, *out); }
    void tool_call_start(int index, std::string_view id, std::string_view name, std::string_view arguments) override {
      writer.tool_call_start(index, id, name, arguments, *out);
    }
    void tool_call_arguments(int index, std::string_view fragment) override {
      writer.tool_call_arguments(index, fragment, *out);
    }
    OpenAIChunkWriter writer;
    std::string* out = nullptr;
  };

  ChunkSink sink_;
  ReplyReader reader_;
  bool finished_ = false;
};

// A whole Kiro reply → one non-streaming chat.completion.
struct KiroCompletion {
  bool ok = false;
  std::string body;     // chat.completion JSON when ok
  Usage usage;
  double credits = 0;
  UpstreamError error;  // when !ok
};

KiroCompletion translate_completion(std::string_view event_stream, const ReplyOptions& options);

}  // namespace keyaos::kiro
