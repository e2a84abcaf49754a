#include "platform/config.h"

#include <cctype>

#include "core/base64.h"

namespace keyaos::platform {

std::string frontend_api_of(const std::string& key) {
  std::string body;
  if (key.rfind("pk_test_", 0) == 0 || key.rfind("pk_live_", 0) == 0) body = key.substr(8);
  std::string decoded;
  if (body.empty() || !base64_decode(body, decoded) || decoded.size() < 2 || decoded.back() != '$') return {};
  decoded.pop_back();
  for (char c : decoded)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':')) return {};
  return decoded;
}

// 'self' is Core's owner (kCoreOwner); Clerk user ids are never 'self'.
std::string owner_of(const std::string& user_id, const Config& config) {
  return !config.operator_id.empty() && user_id == config.operator_id ? std::string("self") : user_id;
}

std::string user_of(const std::string& owner_id, const Config& config) {
  return owner_id == "self" && config.enabled && !config.operator_id.empty() ? config.operator_id : owner_id;
}

Config config_from(const Json& p, std::string& error) {
  Config c;
  const bool secret_set = bool_field(p, "secret_key_set");
  c.publishable_key = str_field(p, "publishable_key");
  if (!secret_set && c.publishable_key.empty()) return c;
  if (!secret_set || c.publishable_key.empty()) {
    error = "Platform mode needs both CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY";
    return {};
  }
  const std::string api = frontend_api_of(c.publishable_key);
  if (api.empty()) {
    error = "CLERK_PUBLISHABLE_KEY is not a Clerk publishable key (pk_test_… or pk_live_…)";
    return {};
  }
  c.issuer = "https://" + api;
  c.jwt_key_pem = str_field(p, "jwt_key");
  c.jwks_url = str_field(p, "jwks_url");
  if (c.jwks_url.empty()) c.jwks_url = c.issuer + "/.well-known/jwks.json";
  std::string parties = str_field(p, "authorized_parties");
  for (size_t start = 0; start <= parties.size();) {
    size_t end = parties.find(',', start);
    if (end == std::string::npos) end = parties.size();
    std::string party = parties.substr(start, end - start);
    while (!party.empty() && party.front() == ' ') party.erase(0, 1);
    while (!party.empty() && (party.back() == ' ' || party.back() == '/')) party.pop_back();
    if (!party.empty() && c.authorized_parties.size() < 32) c.authorized_parties.push_back(party);
    start = end + 1;
  }
  c.operator_id = str_field(p, "owner_id");
  c.allow_private_hosts = bool_field(p, "allow_private_hosts");
  c.enabled = true;
  return c;
}

}  // namespace keyaos::platform
