#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/stream_translator.h"
#include "protocols/openai/sse_scanner.h"

namespace keyaos::openai {

// The "translation" of an upstream that already speaks OpenAI SSE: each
// complete, well-formed event passes byte for byte while an SseScanner meters
// it; a malformed event after content is dropped and counted. finish() adds
// only a missing [DONE]; the upstream's own error events have already reached
// the client, redacted as client_view shows them. Usage the upstream did not report is estimated from sizes.
class PassThroughTranslator final : public StreamTranslator {
 public:
  explicit PassThroughTranslator(int64_t prompt_bytes) : prompt_bytes_(prompt_bytes) {}

  void feed(std::string_view bytes, std::string& out) override;
  void finish(std::string& out) override;

  bool content_started() const override { return scanner_.content_started(); }
  bool finished() const override { return scanner_.finished(); }
  bool failed() const override { return scanner_.failed(); }
  const UpstreamError& error() const override { return scanner_.error(); }
  const Usage& usage() const override { return usage_; }
  int64_t dropped_events() const override { return scanner_.dropped_events(); }
  size_t retained_bytes() const { return scanner_.retained_bytes(); }
  const std::string& model() const { return scanner_.model(); }

 private:
  SseScanner scanner_;
  Usage usage_;
  int64_t prompt_bytes_ = 0;
  bool closed_ = false;
};

}  // namespace keyaos::openai
