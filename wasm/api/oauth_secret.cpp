#include "api/oauth_secret.h"

#include "protocols/google_v1internal/credentials.h"
#include "protocols/kiro/credentials.h"
#include "core/secrets.h"

namespace keyaos::api {
namespace {

std::string token_tail_hint(std::string_view prefix, const std::string& token) { return tail_hint(token, prefix); }

bool header_safe(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

OAuthSecret normalise_oauth_secret(const catalog::ProviderDef& def, std::string_view pasted) {
  OAuthSecret out;
  if (def.auth.kind == catalog::AuthKind::google_oauth) {
    out.applies = true;
    google_v1internal::Product product = google_v1internal::Product::gemini_cli;
    if (!google_v1internal::parse_product(def.id, product)) product = google_v1internal::Product::gemini_cli;
    google_v1internal::CredentialsParseResult parsed = google_v1internal::parse_credentials(pasted, product);
    if (!parsed.ok) {
      out.error = parsed.error;
      return out;
    }
    out.ok = true;
    out.json = google_v1internal::serialize_credentials(parsed.credentials);
    // The hint travels in response headers: ASCII only.
    const std::string& email = parsed.credentials.email;
    out.hint = !email.empty() && header_safe(email) ? email : token_tail_hint("1//", parsed.credentials.refresh_token);
    return out;
  }
  if (def.auth.kind == catalog::AuthKind::kiro_oauth) {
    out.applies = true;
    kiro::CredentialParseResult parsed = kiro::parse_credential(pasted);
    if (!parsed.ok) {
      out.error = parsed.error;
      return out;
    }
    out.ok = true;
    out.json = kiro::serialize_credential(parsed.credential);
    out.hint = std::string(kiro::auth_method_name(parsed.credential.auth_method)) + " " + token_tail_hint("aor", parsed.credential.refresh_token);
    return out;
  }
  return out;
}

}  // namespace keyaos::api
