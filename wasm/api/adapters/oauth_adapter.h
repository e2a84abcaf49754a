#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "api/upstream_adapter.h"
#include "core/oauth_cache.h"

namespace keyaos::api {

// The preparation shared by OAuth upstreams (Google Code Assist, Kiro):
//   open the sealed credential (once per isolate) → when the access token is
//   stale or setup is missing, one request per credential refreshes it while
//   the others sleep and look again → the new state is sealed and written
//   back to D1 (rotated refresh tokens must survive the isolate) → ready.
class OAuthAdapter : public UpstreamAdapter {
 public:
  explicit OAuthAdapter(AttemptContext context);
  ~OAuthAdapter() override;

  PrepareStep prepare(int64_t now_ms) final;
  bool drop_access_token() override;
  PrepareStep revalidate(int64_t now_ms) final;

 protected:
  // Reads the opened credential JSON into `entry`; false with `error`.
  virtual bool load(OAuthEntry& entry, std::string_view plaintext, std::string& error) = 0;
  // The credential can serve a chat call now.
  virtual bool usable(const OAuthEntry& entry, int64_t now_ms) const = 0;
  // Refresh / discovery; ends with finish_setup() or fail_setup().
  virtual PrepareStep setup(OAuthEntry& entry, int64_t now_ms) = 0;
  // Builds the chat call from the usable credential; fails for requests the
  // protocol cannot express.
  virtual PrepareStep on_ready(const OAuthEntry& entry, int64_t now_ms) = 0;
  virtual std::string serialize(const OAuthEntry& entry) const = 0;
  // Non-secret facts stored in credentials.state (expiry, project).
  virtual Json public_state(const OAuthEntry& entry) const = 0;
  virtual void forget_access_token(OAuthEntry& entry) = 0;

  // Seals and stores the entry when `changed`, then releases the claim.
  PrepareStep finish_setup(bool changed, int64_t now_ms);
  PrepareStep fail_setup(UpstreamError error, int64_t now_ms);
  // The token endpoint refused the refresh token. Another isolate may have
  // just rotated it: the row is read again (for a short while, in case its
  // write is still on the way), and a newer state is used or refreshed. Only
  // when D1 holds the very token that was refused is `error` reported.
  PrepareStep refresh_refused(UpstreamError error, int64_t now_ms);

  // One HTTP exchange of the setup: the whole body is read.
  using HttpReply = std::function<PrepareStep(int status, const std::string& body, int64_t now_ms)>;
  PrepareStep http(const UpstreamRequest& request, HttpReply k);
  PrepareStep sleep_then(int64_t ms, std::function<PrepareStep(int64_t now_ms)> k);

  OAuthEntry* entry() { return ctx_.gw->oauth().get(ctx_.credential.id); }
  // UPSTREAM_BASE_URLS overrides: "<provider>" for the API, "<provider>:oauth"
  // for the token endpoint's origin. Empty when not overridden.
  std::string api_override() const;
  std::string oauth_override() const;
  // A UUID from the request's random nonce (and a salt, for several per request).
  std::string uuid(uint32_t salt) const;
  int64_t setup_timeout_ms() const;

  AttemptContext ctx_;

 private:
  PrepareStep with_entry(int64_t now_ms);
  PrepareStep check(int64_t now_ms);
  PrepareStep wait(int64_t now_ms);
  PrepareStep after_setup(int64_t now_ms);
  PrepareStep ready(const OAuthEntry& entry, int64_t now_ms);
  // Compare-and-swap write-back of the unsaved state (base: the ciphertext D1
  // held), retried on D1 errors; a lost race adopts the row's newer state.
  PrepareStep write_back(int attempt, int64_t now_ms);
  using Then = std::function<PrepareStep(int64_t now_ms)>;
  // Opens `ciphertext` (read from D1) into the entry, then `k`.
  PrepareStep adopt(const std::string& ciphertext, Then k);
  void use_ciphertext(const std::string& ciphertext);
  Statement read_row() const;
  std::string aad() const;

  int reloads_ = 0;       // newer states adopted by this request
  int reload_polls_ = 0;  // re-reads of an unchanged row after a refusal

  uint64_t owner_ = 0;
  bool claimed_ = false;
  bool check_only_ = false;     // revalidation: stop before the chat call
  bool force_refresh_ = false;  // revalidation: a cached access token proves nothing
  int64_t wait_started_ms_ = -1;
};

}  // namespace keyaos::api
