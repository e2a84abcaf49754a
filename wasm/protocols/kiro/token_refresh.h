#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/kiro/client_identity.h"
#include "protocols/kiro/credentials.h"
#include "protocols/common/upstream_request.h"

namespace keyaos::kiro {

struct RefreshOptions {
  // Replaces https://prod.<region>.auth.desktop.kiro.dev (social) or
  // https://oidc.<region>.amazonaws.com (IdC), e.g. to point at a mock.
  std::string_view token_origin;
  // Social: the KiroIDE machine id (64 hex chars, stable per credential);
  // the credential's own machine_id when empty.
  std::string_view machine_id;
  // IdC: a fresh UUID for amz-sdk-invocation-id.
  std::string_view invocation_id;
  std::string_view kiro_version = kKiroVersion;
};

// Builds the token refresh for the credential's login kind. Returns false,
// with `error`, when the credential or options cannot make one.
bool build_refresh_request(const Credential& credential, const RefreshOptions& options, UpstreamRequest& out,
                           std::string& error);

struct RefreshOutcome {
  bool ok = false;
  std::string access_token;
  int64_t expires_at_ms = 0;
  // The server rotated the refresh token: the caller must store this one,
  // the old one may stop working.
  std::string refresh_token;
  std::string profile_arn;  // social logins report it
  // The refresh token is revoked or expired (invalid_grant): only a new login helps.
  bool credential_dead = false;
  UpstreamError error;  // when !ok
};

// Reads the token service's answer. `now_ms` dates the expiry.
RefreshOutcome parse_refresh_response(int http_status, std::string_view body, int64_t now_ms);

// Folds a successful refresh into the credential. Returns true when something
// that must be persisted changed: a rotated refresh token or a new profileArn.
bool apply_refresh(Credential& credential, const RefreshOutcome& outcome);

}  // namespace keyaos::kiro
