#include "catalog/builtin_providers.h"

#include "catalog/providers_data.h"

namespace keyaos::catalog {

bool load_builtin_providers(std::vector<ProviderDef>& out, std::string& error) {
  out.clear();
  out.reserve(kProviderDefinitionCount);
  for (size_t i = 0; i < kProviderDefinitionCount; ++i) {
    ProviderDef def;
    std::string why;
    if (!parse_provider(kProviderDefinitions[i], def, why)) {
      error = "embedded provider definition #" + std::to_string(i) + ": " + why;
      out.clear();
      return false;
    }
    out.push_back(std::move(def));
  }
  return true;
}

}  // namespace keyaos::catalog
