#include "protocols/kiro/stream_translator.h"

namespace keyaos::kiro {

KiroStreamTranslator::KiroStreamTranslator(const ReplyOptions& options) : sink_(options), reader_(sink_, options) {}

void KiroStreamTranslator::feed(std::string_view bytes, std::string& out) {
  sink_.out = &out;
  reader_.feed(bytes);
  sink_.out = nullptr;
}

void KiroStreamTranslator::finish(std::string& out) {
  if (finished_ || reader_.failed()) {
    reader_.finish();
    return;
  }
  sink_.out = &out;
  const bool ok = reader_.finish();
  if (ok) {
    sink_.writer.finish(reader_.finish_reason(), out);
    sink_.writer.usage(reader_.usage(), out);
    OpenAIChunkWriter::done(out);
    finished_ = true;
  }
  sink_.out = nullptr;
}

namespace {

class CompletionSink final : public ReplySink {
 public:
  void text(std::string_view text) override { builder.content(text); }
  void reasoning(std::string_view text) override { builder.reasoning(text); }
  void tool_call_start(int index, std::string_view id, std::string_view name, std::string_view arguments) override {
    builder.tool_call(index, id, name, arguments);
  }
  void tool_call_arguments(int index, std::string_view fragment) override { builder.tool_call(index, {}, {}, fragment); }
  OpenAICompletionBuilder builder;
};

}  // namespace

KiroCompletion translate_completion(std::string_view event_stream, const ReplyOptions& options) {
  CompletionSink sink;
  ReplyReader reader(sink, options);
  reader.feed(event_stream);
  KiroCompletion result;
  result.ok = reader.finish();
  result.usage = reader.usage();
  result.credits = reader.credits();
  if (!result.ok) {
    result.error = reader.error();
    return result;
  }
  sink.builder.finish(reader.finish_reason());
  result.body = sink.builder.render(options.response_id, options.created_s, options.model, reader.usage());
  return result;
}

}  // namespace keyaos::kiro
