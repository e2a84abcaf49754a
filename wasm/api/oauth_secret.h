#pragma once
#include <string>
#include <string_view>

#include "catalog/provider.h"

namespace keyaos::api {

// What a user pastes for an OAuth provider (google_oauth, kiro_oauth): a
// credential file or a bare refresh token, normalised into the JSON the
// protocol module stores, with a hint that names the account or the token's
// last characters, never the token.
struct OAuthSecret {
  bool applies = false;  // the provider uses OAuth refresh tokens
  bool ok = false;
  std::string json;      // normalised credential, to be sealed
  std::string hint;
  std::string error;     // for the user, when !ok
};

OAuthSecret normalise_oauth_secret(const catalog::ProviderDef& def, std::string_view pasted);

}  // namespace keyaos::api
