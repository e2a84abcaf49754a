#pragma once
#include <string>
#include <string_view>

#include "protocols/common/openai_chunks.h"
#include "protocols/common/stream_translator.h"
#include "protocols/google_v1internal/response_reader.h"
#include "protocols/google_v1internal/sse_reader.h"
#include "protocols/google_v1internal/thought_signatures.h"
#include "protocols/google_v1internal/translation_options.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {

// v1internal SSE (streamGenerateContent?alt=sse) → OpenAI chat.completion.chunk
// SSE ending in [DONE]. Text becomes delta.content, thought parts
// delta.reasoning_content, each functionCall one complete tool_calls delta.
// usageMetadata is a running total repeated on many events: only the last
// snapshot counts, sent once as the usage chunk before [DONE].
class GoogleStreamTranslator final : public StreamTranslator {
 public:
  explicit GoogleStreamTranslator(TranslationOptions options);

  void feed(std::string_view bytes, std::string& out) override;
  void finish(std::string& out) override;

  bool content_started() const override { return content_started_; }
  bool finished() const override { return finished_; }
  bool failed() const override { return failed_; }
  const UpstreamError& error() const override { return error_; }
  const Usage& usage() const override { return usage_; }

  // tool_call_id → thoughtSignature of the calls emitted so far, to be handed
  // back to the request mapper on the next turn.
  const ThoughtSignatures& thought_signatures() const { return thought_signatures_; }
  // The OpenAI finish_reason once the upstream gave one; empty before.
  const std::string& finish_reason() const { return finish_reason_; }

 private:
  void drain(std::string& out);
  void handle_event(std::string& data, std::string& out);
  void emit_chunk(std::string& out);
  void fail(UpstreamError error);

  TranslationOptions options_;
  std::string tool_call_id_prefix_;
  OpenAIChunkWriter writer_;
  SseReader sse_;
  simdjson::ondemand::parser parser_;
  ResponseChunk chunk_;
  std::string event_;  // data of the event being translated (with simdjson padding)
  ThoughtSignatures thought_signatures_;
  Usage usage_;
  UpstreamError error_;
  std::string finish_reason_;
  int tool_calls_ = 0;
  bool saw_event_ = false;
  bool content_started_ = false;
  bool finished_ = false;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace keyaos::google_v1internal
