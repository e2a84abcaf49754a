#pragma once
#include <cstddef>

namespace keyaos::catalog {

// The provider definitions (providers/*.json, sorted by file name), embedded
// byte for byte at build time by cmake/embed_providers.cmake.
extern const char* const kProviderDefinitions[];
extern const size_t kProviderDefinitionCount;

}  // namespace keyaos::catalog
