#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/provider.h"

namespace keyaos::catalog {

// A provider a user adds at run time: any OpenAI-compatible service (vLLM,
// Ollama, a company proxy), called with `Authorization: Bearer <key>`.
// Its JSON form, the API body and what custom_providers.definition stores:
//   {"id", "name", "base_url", "models_url"?, "secret_format"?, "models": [{"id",
//    "upstream_id"?, "name"?, "input_price_per_m", "output_price_per_m",
//    "cache_read_price_per_m"?, "cache_write_price_per_m"?, "context_length"?}]}
struct CustomProvider {
  std::string id;    // [a-z0-9][a-z0-9-]*, never a built-in id
  std::string name;  // defaults to the id
  std::string base_url;                   // http(s), no credentials, no trailing '/'
  std::optional<std::string> models_url;  // an OpenAI-style list to sync models from
  std::optional<SecretFormat> secret_format;  // what its keys look like, when known
  std::vector<ModelEntryDef> models;      // static models (and own prices for synced ones)
};

// Parses and validates one custom provider. Prices are required for static
// models; with a models_url they may be null (the reference price applies).
// On failure returns false with `error` as "<field path>: <problem>".
bool parse_custom_provider(std::string_view json, CustomProvider& out, std::string& error);

// The JSON form above, compact, with absent optional values as null.
std::string custom_provider_to_json(const CustomProvider& provider);

// The provider definition routing and sync use: OpenAI protocol, bearer auth,
// native ids lower-cased and namespaced "<id>/" when they have no vendor,
// validated with GET /models.
ProviderDef custom_provider_def(const CustomProvider& provider);

// Checks an endpoint URL: http or https, a host, no user:password@, no
// spaces or fragment; a query only when `allow_query`. Sets `why` on failure.
bool check_endpoint_url(std::string_view url, bool allow_query, std::string& why);

}  // namespace keyaos::catalog
