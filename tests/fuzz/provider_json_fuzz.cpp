// Fuzz target for provider definitions (catalog/provider, provider_json).
//
// Input: a providers/<id>.json document.
// Properties checked (FUZZ_REQUIRE):
//   - a refused definition names the field and the problem ("<path>: ...");
//   - an accepted one writes out (provider_to_json) as valid JSON that is
//     accepted again and writes out to the same bytes (what the dashboard
//     lists is what the engine routes by);
//   - every model id the definition maps is canonical when it says so;
//   - its secret format checks any text (the input itself) without a fault,
//     and a key built from its first prefix and alphabet matches it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/provider.h"
#include "catalog/provider_json.h"
#include "core/json.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

int fuzz_provider_json(const uint8_t* bytes, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  keyaos::catalog::ProviderDef def;
  std::string error;
  if (!keyaos::catalog::parse_provider(input, def, error)) {
    FUZZ_REQUIRE(error.find(": ") != std::string::npos);
    return 0;
  }
  const std::string written = keyaos::catalog::provider_to_json(def);
  FUZZ_REQUIRE(keyaos::Json::accept(written));
  keyaos::catalog::ProviderDef again;
  std::string again_error;
  FUZZ_REQUIRE(keyaos::catalog::parse_provider(written, again, again_error));
  FUZZ_REQUIRE(keyaos::catalog::provider_to_json(again) == written);

  if (def.secret_format) {
    const keyaos::catalog::SecretFormat& format = *def.secret_format;
    keyaos::catalog::secret_matches(format, input);
    FUZZ_REQUIRE(!keyaos::catalog::describe_secret_format(format).empty());
    const char body_char = !format.chars.empty() ? format.chars.front() : format.alphabet == "printable" ? '~' : 'a';
    const std::string key = (format.prefixes.empty() ? std::string() : format.prefixes.front()) +
                            std::string(static_cast<size_t>(format.min_length), body_char);
    FUZZ_REQUIRE(keyaos::catalog::secret_matches(format, key));
  }
  for (const auto& entry : def.models.entries) {
    FUZZ_REQUIRE(keyaos::catalog::is_canonical_model_id(entry.id));
    FUZZ_REQUIRE(!keyaos::catalog::to_upstream_model_id(def, entry.id, std::string()).empty());
  }
  return 0;
}
