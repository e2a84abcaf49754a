#pragma once
#include <string>
#include <string_view>

#include "catalog/provider.h"
#include "core/api_error.h"
#include "core/gateway.h"
#include "core/io.h"

namespace keyaos::api {

// Checking a key when it is added, with the provider's cheapest check (its
// `validation`: a GET of base_url + path, or a 1-token chat). The engine
// holds the plaintext at that moment, so it goes straight into the header.

// True when the provider's secrets are keys sent as `Authorization: Bearer
// <secret>` (OAuth refresh tokens are checked by their own protocol on first use).
bool is_bearer_key(const catalog::ProviderDef& def);

// With `credential` (see FetchRequest), `secret` is the "${secret}" the host opens it into.
Action validation_fetch(const Gateway& gw, const catalog::ProviderDef& def, const std::string& secret, Json credential = nullptr);

// GET of the provider's credits endpoint with the key (def.credits is set).
Action balance_fetch(const Gateway& gw, const catalog::ProviderDef& def, const std::string& secret);

enum class KeyVerdict { valid, rejected, unknown };
// From the validation answer's status: 2xx (and 429: the key was recognised)
// is valid; 401/402/403 rejected; anything else leaves it unknown.
KeyVerdict key_verdict(int status);

// The client's error for a rejected or unconfirmed key, with the upstream's message.
ApiError validation_error(const catalog::ProviderDef& def, KeyVerdict verdict, int status, std::string_view body, int64_t now_ms);

}  // namespace keyaos::api
