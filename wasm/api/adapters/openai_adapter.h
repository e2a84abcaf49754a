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
  // The provider's own count endpoint, when its definition names one (count_tokens).
  bool counts_tokens() const override { return ctx_.def->count_tokens.has_value(); }
  Action count_tokens_fetch(int64_t now_ms) override;
  int64_t token_count(std::string_view body) const override;

 private:
  // The fetch of `url` with the credential's key in `auth_header` (default Authorization: Bearer).
  Action keyed_fetch(std::string url, Json headers, const std::optional<std::string>& auth_header) const;

  AttemptContext ctx_;
  std::unique_ptr<openai::PassThroughTranslator> stream_;
};

}  // namespace keyaos::api
