#pragma once
#include <string>
#include <vector>

#include "catalog/provider.h"

namespace keyaos::catalog {

// Parses every embedded provider definition, in file-name order. Returns
// false, naming the definition, when one does not validate.
bool load_builtin_providers(std::vector<ProviderDef>& out, std::string& error);

}  // namespace keyaos::catalog
