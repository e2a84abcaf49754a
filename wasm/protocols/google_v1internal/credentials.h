#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/google_v1internal/product.h"

namespace keyaos::google_v1internal {

// A Google OAuth credential for Code Assist, normalised from whatever the
// user pasted. Everything but the refresh token is a cache the gateway keeps
// up to date (and stores, encrypted, with it).
struct Credentials {
  Product product = Product::gemini_cli;
  std::string refresh_token;          // "1//…"
  std::string access_token;           // "ya29.…", empty when none is cached
  int64_t access_token_expires_at_ms = 0;  // Unix ms; 0 when unknown
  std::string project_id;             // cloudaicompanionProject, once discovered or given
  std::string email;                  // account, when the pasted data names it
  std::string base_url;               // host that answered project discovery

  // True when the cached access token can still be used `margin_ms` from now.
  bool access_token_usable(int64_t now_ms, int64_t margin_ms = 60'000) const;
};

struct CredentialsParseResult {
  bool ok = false;
  Credentials credentials;
  std::string error;  // why the input was refused, worded for the user
};

// Accepts the JSON of ~/.gemini/oauth_creds.json, an Antigravity account file
// (token.refresh_token), the JSON this module serialises, or a bare refresh
// token ("1//…"). Junk after the last '}' (a shell's '%') is ignored. Access
// tokens ("ya29.…") are refused: they expire within the hour. `product` says
// which client issued the token, unless the input is a stored credential
// that names its own product.
CredentialsParseResult parse_credentials(std::string_view pasted, Product product);

// JSON for storage: {"product","refresh_token","access_token","expiry_date"
// (ms, as in oauth_creds.json),"project_id","email","base_url"}; empty fields
// are left out. parse_credentials reads it back.
std::string serialize_credentials(const Credentials& credentials);

// The "email" claim of an OpenID id_token (unverified: it only labels the
// credential); empty when absent or unreadable.
std::string email_from_id_token(std::string_view id_token);

}  // namespace keyaos::google_v1internal
