#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace keyaos::kiro {

// How the refresh token was obtained, which decides how it is refreshed.
enum class AuthMethod {
  social,  // Google / GitHub login through Kiro's own auth service
  idc,     // AWS Builder ID or IAM Identity Center (SSO-OIDC)
};

const char* auth_method_name(AuthMethod method);  // "social" | "IdC", as Kiro writes it

inline constexpr std::string_view kDefaultRegion = "us-east-1";

// A Kiro credential, normalised from whatever the user pasted.
struct Credential {
  std::string refresh_token;  // "aor…"
  AuthMethod auth_method = AuthMethod::social;
  // Region of the token service: prod.<region>.auth.desktop.kiro.dev (social)
  // or oidc.<region>.amazonaws.com (IdC).
  std::string region = std::string(kDefaultRegion);
  // Region of the Q API when set explicitly; otherwise the profileArn's.
  std::string api_region;
  std::string client_id;      // IdC client registration
  std::string client_secret;  // IdC client registration
  std::string profile_arn;    // arn:aws:codewhisperer:<region>:<account>:profile/<id>
  std::string access_token;   // "aoa…", optional
  int64_t access_token_expires_at_ms = 0;  // 0 when unknown
  std::string provider;        // Google | Github | BuilderId | …, informational
  std::string client_id_hash;  // names the IdC registration file, informational
  std::string machine_id;      // KiroIDE machine id, when one was stored with it

  // True when the access token is present and valid for at least `margin_ms`.
  bool access_token_fresh(int64_t now_ms, int64_t margin_ms = 60000) const;
};

struct CredentialParseResult {
  bool ok = false;
  Credential credential;
  std::string error;  // for the user, when !ok
};

// Accepts a bare refresh token ("aor…") or the JSON of
// ~/.aws/sso/cache/kiro-auth-token.json. For IdC logins the client
// registration (~/.aws/sso/cache/<clientIdHash>.json) may be pasted right
// after it; its clientId/clientSecret are merged in. camelCase and snake_case
// field names are both understood. Access tokens ("aoa…") are refused: they
// expire within the hour and cannot be renewed.
CredentialParseResult parse_credential(std::string_view pasted);

// The credential as a kiro-auth-token.json style object (camelCase), which
// parse_credential reads back unchanged. Used to store a rotated token.
std::string serialize_credential(const Credential& credential);

// Region of the Q API: api_region, else the region inside profileArn, else us-east-1.
std::string api_region(const Credential& credential);

// AWS region names are lowercase letters, digits and dashes. Regions end up
// in host names, so nothing else may pass.
bool is_valid_region(std::string_view region);

}  // namespace keyaos::kiro
