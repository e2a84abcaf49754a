#pragma once
#include <memory>

#include "api/upstream_adapter.h"
#include "protocols/openai/pass_through_translator.h"

namespace keyaos::api {

// OpenAI-compatible upstreams with a bearer key. The key never enters the
// engine: the fetch names the sealed credential and the host substitutes
// ${secret}. Streams pass through unchanged.
class OpenAIAdapter final : public UpstreamAdapter {
 public:
  explicit OpenAIAdapter(AttemptContext context) : ctx_(std::move(context)) {}

  PrepareStep prepare(int64_t) override { return PrepareStep::ready(); }
  Action chat_fetch(int64_t now_ms) override;
  StreamTranslator& start_stream(int64_t now_ms) override;
  bool transforms_stream() const override { return false; }
  std::string served_model() const override { return stream_ ? stream_->model() : std::string(); }
  BodyResult translate_body(int http_status, std::string_view body, int64_t now_ms) override;
  UpstreamError classify_error(int http_status, std::string_view body, const Json& headers, int64_t now_ms) override;

 private:
  AttemptContext ctx_;
  std::unique_ptr<openai::PassThroughTranslator> stream_;
};

}  // namespace keyaos::api
