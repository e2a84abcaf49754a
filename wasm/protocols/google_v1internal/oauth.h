#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/google_v1internal/credentials.h"
#include "protocols/common/upstream_request.h"
#include "protocols/google_v1internal/product.h"

// Refreshing a Code Assist access token at Google's OAuth token endpoint.
namespace keyaos::google_v1internal {

inline constexpr std::string_view kGoogleTokenOrigin = "https://oauth2.googleapis.com";

// The public "installed app" OAuth client each product ships with. Google
// documents that installed-app secrets are not confidential.
struct OAuthClient {
  std::string_view client_id;
  std::string_view client_secret;
};
OAuthClient oauth_client(Product product);

// POST <origin>/token, form-encoded client_id, client_secret, refresh_token,
// grant_type=refresh_token. `token_origin` is a parameter so tests and local
// mocks can redirect it.
UpstreamRequest build_refresh_request(Product product, std::string_view refresh_token,
                                  std::string_view token_origin = kGoogleTokenOrigin);

struct RefreshResult {
  bool ok = false;
  std::string access_token;
  int64_t expires_at_ms = 0;   // now_ms + expires_in
  std::string refresh_token;   // only when Google rotated it
  std::string id_token;
  UpstreamError error;         // invalid_grant → ErrorClass::auth
};

RefreshResult parse_refresh_response(int http_status, std::string_view body, int64_t now_ms);

// Stores a successful refresh in the credential's cache fields.
void apply_refresh(Credentials& credentials, const RefreshResult& refresh);

// application/x-www-form-urlencoded value encoding (RFC 3986 unreserved kept).
std::string form_encode(std::string_view value);

}  // namespace keyaos::google_v1internal
