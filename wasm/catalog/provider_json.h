#pragma once
#include <string>

#include "catalog/provider.h"

namespace keyaos::catalog {

// The definition as compact JSON, in the providers/<id>.json format (absent
// optional values written as null). The dashboard's provider list and the
// embedded-definition checks read it.
std::string provider_to_json(const ProviderDef& def);

}  // namespace keyaos::catalog
