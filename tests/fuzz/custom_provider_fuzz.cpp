// Fuzz target for custom providers (catalog/custom_provider).
//
// Input: a POST /api/providers body.
// Properties checked (FUZZ_REQUIRE):
//   - a refused body names the field and the problem ("<path>: ...");
//   - an accepted one writes out (what custom_providers.definition stores)
//     as JSON that is accepted again and writes out to the same bytes;
//   - its URLs pass the endpoint check, and the definition routing and sync
//     derive from it keeps its id and URL, with canonical model ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/custom_provider.h"
#include "catalog/provider.h"
#include "catalog/provider_json.h"
#include "core/json.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

int fuzz_custom_provider(const uint8_t* bytes, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  std::string why;
  keyaos::catalog::check_endpoint_url(input, true, why);  // any text, no crash

  keyaos::catalog::CustomProvider provider;
  std::string error;
  if (!keyaos::catalog::parse_custom_provider(input, provider, error)) {
    FUZZ_REQUIRE(error.find(": ") != std::string::npos);
    return 0;
  }
  FUZZ_REQUIRE(!provider.id.empty() && !provider.name.empty());
  FUZZ_REQUIRE(keyaos::catalog::check_endpoint_url(provider.base_url, false, why));
  if (provider.models_url) FUZZ_REQUIRE(keyaos::catalog::check_endpoint_url(*provider.models_url, true, why));

  const std::string stored = keyaos::catalog::custom_provider_to_json(provider);
  FUZZ_REQUIRE(keyaos::Json::accept(stored));
  keyaos::catalog::CustomProvider again;
  std::string again_error;
  FUZZ_REQUIRE(keyaos::catalog::parse_custom_provider(stored, again, again_error));
  FUZZ_REQUIRE(keyaos::catalog::custom_provider_to_json(again) == stored);

  const keyaos::catalog::ProviderDef def = keyaos::catalog::custom_provider_def(provider);
  FUZZ_REQUIRE(def.id == provider.id && def.base_url == provider.base_url);
  FUZZ_REQUIRE(keyaos::Json::accept(keyaos::catalog::provider_to_json(def)));
  for (const auto& model : def.models.entries) {
    FUZZ_REQUIRE(keyaos::catalog::is_canonical_model_id(model.id));
    FUZZ_REQUIRE(!keyaos::catalog::to_upstream_model_id(def, model.id, std::string()).empty());
  }
  return 0;
}
