#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"
#include "platform/config.h"

namespace keyaos::platform {

// A Clerk session token (a compact JWS), split and decoded. Nothing in it is
// trusted until claims_problem() finds nothing and the host's WebCrypto has
// verified `signature` over `signed_part` with the key named by `kid`.
struct SessionToken {
  std::string alg;
  std::string kid;
  std::string signed_part;  // base64url(header) "." base64url(payload)
  std::string signature;    // base64url, as sent
  std::string sub;          // the Clerk user id
  std::string iss;
  std::string azp;
  std::optional<int64_t> exp;  // seconds
  std::optional<int64_t> nbf;  // seconds
};

// Whether `token` has a JWT's shape (three base64url parts), so the caller
// meant a session rather than an API key.
bool looks_like_session_token(std::string_view token);

// Splits and decodes; false with `error` for anything malformed.
bool parse_session_token(std::string_view token, SessionToken& out, std::string& error);

// Clock skew allowed on exp and nbf, as Clerk's own SDKs allow.
inline constexpr int64_t kClockSkewMs = 5000;

// What makes the claims unacceptable (empty when they pass): only RS256, a
// subject, exp in the future and nbf in the past (within the skew), the
// issuer of the configured Clerk instance, and `azp` among the authorised
// parties when those are configured.
std::string claims_problem(const SessionToken& token, const Config& config, int64_t now_ms);

// The JWKS of the Clerk instance, per isolate. Keys are kept an hour; an
// unknown `kid` refetches at most once per kRefetchMs, so a stream of tokens
// with invented kids costs at most that many fetches, never one each.
class JwksCache {
 public:
  static constexpr int64_t kTtlMs = 60LL * 60 * 1000;
  static constexpr int64_t kRefetchMs = 2000;
  static constexpr size_t kMaxKeys = 16;
  static constexpr int64_t kMaxBytes = 64 * 1024;

  // The JWK for `kid` (RSA, usable for signatures), or nullptr.
  const Json* key(const std::string& kid) const;
  // Whether a fetch should happen now for a token with `kid`.
  bool should_fetch(const std::string& kid, int64_t now_ms) const;
  void fetch_started(int64_t now_ms) { last_fetch_ms_ = now_ms; }
  // Replaces the keys with a fetched JWKS document; false (keys kept) when
  // the document holds no usable key.
  bool store(std::string_view document, int64_t now_ms);
  void clear() { keys_.clear(); loaded_ms_ = -1; last_fetch_ms_ = -1; }

 private:
  std::map<std::string, Json> keys_;
  int64_t loaded_ms_ = -1;
  int64_t last_fetch_ms_ = -1;
};

}  // namespace keyaos::platform
