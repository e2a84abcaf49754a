#pragma once
#include <memory>
#include <string>

#include "api/adapters/oauth_adapter.h"
#include "protocols/kiro/credentials.h"
#include "protocols/kiro/reply_reader.h"
#include "protocols/kiro/stream_translator.h"

namespace keyaos::api {

// An opened Kiro credential, as the OAuth cache holds it.
struct KiroOAuthState final : OAuthState {
  static constexpr std::string_view kKind = "kiro_oauth";
  explicit KiroOAuthState(kiro::Credential c) : credential(std::move(c)) {}
  std::string_view kind() const override { return kKind; }
  kiro::Credential credential;
};
inline kiro::Credential* kiro_of(OAuthEntry& e) {
  auto* s = e.state_as<KiroOAuthState>();
  return s ? &s->credential : nullptr;
}
inline const kiro::Credential* kiro_of(const OAuthEntry& e) {
  const auto* s = e.state_as<KiroOAuthState>();
  return s ? &s->credential : nullptr;
}

// Kiro credentials: refresh tokens for Amazon's CodeWhisperer/Q streaming
// API, which answers in AWS Event Stream frames. Refreshes (persisting the
// rotated refresh token), sends the mapped request and translates the frames
// to OpenAI's shape. Kiro only streams: non-streamed requests read the whole
// event stream and render one chat.completion.
class KiroAdapter final : public OAuthAdapter {
 public:
  explicit KiroAdapter(AttemptContext context);

  Action chat_fetch(int64_t now_ms) override;
  StreamTranslator& start_stream(int64_t now_ms) override;
  bool transforms_stream() const override { return true; }
  std::string served_model() const override { return kiro_model_; }
  BodyResult translate_body(int http_status, std::string_view body, int64_t now_ms) override;
  UpstreamError classify_error(int http_status, std::string_view body, const Json& headers, int64_t now_ms) override;

 protected:
  bool load(OAuthEntry& entry, std::string_view plaintext, std::string& error) override;
  bool usable(const OAuthEntry& entry, int64_t now_ms) const override;
  PrepareStep setup(OAuthEntry& entry, int64_t now_ms) override;
  PrepareStep on_ready(const OAuthEntry& entry, int64_t now_ms) override;
  std::string serialize(const OAuthEntry& entry) const override;
  Json public_state(const OAuthEntry& entry) const override;
  void forget_access_token(OAuthEntry& entry) override;

 private:
  // 64 hex digits, stable per credential: the KiroIDE machine id Kiro expects.
  std::string machine_id(const OAuthEntry& entry) const;

  std::string kiro_model_;
  std::string machine_id_;
  std::string invocation_id_;
  UpstreamRequest request_;
  kiro::ReplyOptions reply_;
  std::unique_ptr<kiro::KiroStreamTranslator> stream_;
};

}  // namespace keyaos::api
