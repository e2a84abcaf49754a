#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace keyaos::platform {

// Platform mode (accounts through Clerk, wallets, the shared pool) is on when
// Clerk's keys are set; without them the gateway is Core, as before.
struct Config {
  bool enabled = false;
  std::string publishable_key;   // CLERK_PUBLISHABLE_KEY (public: the dashboard loads Clerk with it)
  std::string issuer;            // https://<frontend API>, from the publishable key
  std::string jwt_key_pem;       // CLERK_JWT_KEY: verifies sessions with no JWKS fetch
  std::string jwks_url;          // CLERK_JWKS_URL, else <issuer>/.well-known/jwks.json
  std::vector<std::string> authorized_parties;  // CLERK_AUTHORIZED_PARTIES: allowed `azp` origins
  std::string operator_id;       // PLATFORM_OWNER_ID: the operator's Clerk user id
  bool allow_private_hosts = false;  // PLATFORM_ALLOW_PRIVATE_HOSTS: custom providers on private hosts (local tests)
};

// Reads the host's `platform` config object; `error` names what is wrong
// with keys that are set but unusable (Platform then stays off).
Config config_from(const Json& platform, std::string& error);

// Data an owner had in Core mode ('self') is the operator's in Platform mode,
// so switching a Core instance to Platform loses nothing.
std::string owner_of(const std::string& user_id, const Config& config);
std::string user_of(const std::string& owner_id, const Config& config);

// The frontend API a Clerk publishable key names: pk_test_ or pk_live_ +
// base64("<frontend API>$"). Empty when the key is not of that form.
std::string frontend_api_of(const std::string& publishable_key);

}  // namespace keyaos::platform
