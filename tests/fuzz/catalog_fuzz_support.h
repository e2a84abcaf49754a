#pragma once
// Shared by the catalogue fuzz targets.
#include <cmath>
#include <optional>
#include <vector>

#include "catalog/builtin_providers.h"
#include "fuzz_check.h"

namespace keyaos::fuzz {

// The embedded definitions, parsed once.
inline const std::vector<catalog::ProviderDef>& builtin_providers() {
  static const std::vector<catalog::ProviderDef> providers = [] {
    std::vector<catalog::ProviderDef> out;
    std::string error;
    FUZZ_REQUIRE(catalog::load_builtin_providers(out, error));
    FUZZ_REQUIRE(!out.empty());
    return out;
  }();
  return providers;
}

// A price is unknown, or a finite amount that is not negative.
inline bool sane_price(const std::optional<double>& price) { return !price || (std::isfinite(*price) && *price >= 0); }

}  // namespace keyaos::fuzz
