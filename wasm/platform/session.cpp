#include "platform/session.h"

#include <cctype>

#include "core/base64.h"

namespace keyaos::platform {
namespace {

constexpr size_t kMaxTokenBytes = 8 * 1024;

bool base64url_part(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::optional<int64_t> seconds(const Json& claims, const char* key) {
  const Json* v = field(claims, key);
  if (!v || !v->is_number()) return std::nullopt;
  return int_field(claims, key);
}

}  // namespace

bool looks_like_session_token(std::string_view token) {
  const size_t a = token.find('.');
  if (a == std::string_view::npos) return false;
  const size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) return false;
  return base64url_part(token.substr(0, a)) && base64url_part(token.substr(a + 1, b - a - 1));
}

bool parse_session_token(std::string_view token, SessionToken& out, std::string& error) {
  out = {};
  if (token.size() > kMaxTokenBytes || !looks_like_session_token(token)) {
    error = "not a session token";
    return false;
  }
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  std::string header_text, payload_text;
  if (!base64_decode(token.substr(0, a), header_text) || !base64_decode(token.substr(a + 1, b - a - 1), payload_text)) {
    error = "the token is not base64url";
    return false;
  }
  const Json header = parse_json(header_text);
  const Json claims = parse_json(payload_text);
  if (!header.is_object() || !claims.is_object()) {
    error = "the token's header or claims are not JSON objects";
    return false;
  }
  out.alg = str_field(header, "alg");
  out.kid = str_field(header, "kid");
  out.signed_part = std::string(token.substr(0, b));
  out.signature = std::string(token.substr(b + 1));
  out.sub = str_field(claims, "sub");
  out.iss = str_field(claims, "iss");
  out.azp = str_field(claims, "azp");
  out.exp = seconds(claims, "exp");
  out.nbf = seconds(claims, "nbf");
  return true;
}

std::string claims_problem(const SessionToken& t, const Config& c, int64_t now_ms) {
  // The algorithm is fixed here, never taken from the token: `none` and
  // HS256 keyed with the public key are refused before any key is used.
  if (t.alg != "RS256") return "the token is not signed with RS256";
  if (!base64url_part(t.signature)) return "the token has no signature";
  if (t.sub.empty() || t.sub.size() > 128) return "the token names no user";
  if (!t.exp) return "the token has no expiry";
  if (*t.exp * 1000 + kClockSkewMs <= now_ms) return "the session token has expired";
  if (t.nbf && *t.nbf * 1000 - kClockSkewMs > now_ms) return "the session token is not valid yet";
  if (t.iss != c.issuer) return "the token was issued by another Clerk instance";
  if (!c.authorized_parties.empty()) {
    bool allowed = false;
    for (const auto& p : c.authorized_parties) allowed = allowed || p == t.azp;
    if (!allowed) return "the token was issued for another origin (azp)";
  }
  return {};
}

const Json* JwksCache::key(const std::string& kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

bool JwksCache::should_fetch(const std::string& kid, int64_t now_ms) const {
  const bool stale = loaded_ms_ < 0 || now_ms - loaded_ms_ >= kTtlMs;
  if (!stale && keys_.count(kid)) return false;
  return last_fetch_ms_ < 0 || now_ms - last_fetch_ms_ >= kRefetchMs;
}

bool JwksCache::store(std::string_view document, int64_t now_ms) {
  const Json doc = parse_json(document);
  const Json* list = field(doc, "keys");
  if (!list || !list->is_array()) return false;
  std::map<std::string, Json> keys;
  for (const auto& k : *list) {
    if (keys.size() >= kMaxKeys) break;
    const std::string kid = str_field(k, "kid");
    const std::string use = str_field(k, "use", "sig");
    const std::string alg = str_field(k, "alg", "RS256");
    if (kid.empty() || str_field(k, "kty") != "RSA" || use != "sig" || alg != "RS256") continue;
    if (str_field(k, "n").empty() || str_field(k, "e").empty()) continue;
    keys[kid] = {{"kty", "RSA"}, {"n", k["n"]}, {"e", k["e"]}, {"alg", "RS256"}, {"ext", true}};
  }
  if (keys.empty()) return false;
  keys_ = std::move(keys);
  loaded_ms_ = now_ms;
  return true;
}

}  // namespace keyaos::platform
