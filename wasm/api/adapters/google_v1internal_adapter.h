#pragma once
#include <memory>
#include <string>
#include <vector>

#include "api/adapters/oauth_adapter.h"
#include "protocols/google_v1internal/credentials.h"
#include "protocols/google_v1internal/product.h"
#include "protocols/google_v1internal/stream_translator.h"
#include "protocols/google_v1internal/translation_options.h"

namespace keyaos::api {

// An opened Gemini CLI or Antigravity credential, as the OAuth cache holds it.
struct GoogleOAuthState final : OAuthState {
  static constexpr std::string_view kKind = "google_oauth";
  explicit GoogleOAuthState(google_v1internal::Credentials c) : credentials(std::move(c)) {}
  std::string_view kind() const override { return kKind; }
  google_v1internal::Credentials credentials;
};
inline google_v1internal::Credentials* google_of(OAuthEntry& e) {
  auto* s = e.state_as<GoogleOAuthState>();
  return s ? &s->credentials : nullptr;
}
inline const google_v1internal::Credentials* google_of(const OAuthEntry& e) {
  const auto* s = e.state_as<GoogleOAuthState>();
  return s ? &s->credentials : nullptr;
}

// Gemini CLI and Antigravity credentials: Google OAuth refresh tokens for the
// Code Assist "v1internal" API. Prepares an access token and the account's
// project (loadCodeAssist, onboardUser), sends the mapped request and
// translates the answer to OpenAI's shape.
class GoogleV1InternalAdapter final : public OAuthAdapter {
 public:
  explicit GoogleV1InternalAdapter(AttemptContext context);

  Action chat_fetch(int64_t now_ms) override;
  StreamTranslator& start_stream(int64_t now_ms) override;
  bool transforms_stream() const override { return true; }
  std::string served_model() const override { return upstream_model_; }
  BodyResult translate_body(int http_status, std::string_view body, int64_t now_ms) override;
  UpstreamError classify_error(int http_status, std::string_view body, const Json& headers, int64_t now_ms) override;
  void answered() override;
  bool counts_tokens() const override { return true; }
  Action count_tokens_fetch(int64_t now_ms) override;
  int64_t token_count(std::string_view body) const override;

 protected:
  bool load(OAuthEntry& entry, std::string_view plaintext, std::string& error) override;
  bool usable(const OAuthEntry& entry, int64_t now_ms) const override;
  PrepareStep setup(OAuthEntry& entry, int64_t now_ms) override;
  PrepareStep on_ready(const OAuthEntry& entry, int64_t now_ms) override;
  std::string serialize(const OAuthEntry& entry) const override;
  Json public_state(const OAuthEntry& entry) const override;
  void forget_access_token(OAuthEntry& entry) override;

 private:
  PrepareStep refresh(int64_t now_ms);
  PrepareStep discover(size_t host, bool changed, int64_t now_ms);
  PrepareStep onboard(const std::string& base, const std::string& tier_id, int64_t now_ms);
  PrepareStep poll(const std::string& base, const std::string& operation, int polls, int64_t now_ms);
  PrepareStep discovered(const std::string& base, const std::string& project_id, int64_t now_ms);
  // Hosts for project discovery: the override, else the product's order.
  std::vector<std::string> hosts(const OAuthEntry& entry) const;
  std::string access_token() const;
  google_v1internal::TranslationOptions translation(int64_t now_ms) const;

  google_v1internal::Product product_ = google_v1internal::Product::gemini_cli;
  std::string upstream_model_;
  std::string base_url_;
  std::string access_token_;
  std::string body_;
  std::unique_ptr<google_v1internal::GoogleStreamTranslator> stream_;
  google_v1internal::ThoughtSignatures body_signatures_;  // of a non-streamed answer
};

}  // namespace keyaos::api
