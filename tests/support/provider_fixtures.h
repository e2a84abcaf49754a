#pragma once
// The built-in provider definitions, as the engine loads them, for tests.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "catalog/builtin_providers.h"

namespace keyaos::testing {

// Loaded once; a definition that does not load fails the test.
inline const std::vector<catalog::ProviderDef>& builtin_providers() {
  static const std::vector<catalog::ProviderDef> loaded = [] {
    std::vector<catalog::ProviderDef> out;
    std::string error;
    if (!catalog::load_builtin_providers(out, error)) FAIL(error);
    return out;
  }();
  return loaded;
}

inline const catalog::ProviderDef& builtin_provider(const std::string& id) {
  for (const catalog::ProviderDef& def : builtin_providers())
    if (def.id == id) return def;
  FAIL("no provider " << id);
  return builtin_providers().front();
}

}  // namespace keyaos::testing
