#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "core/limits.h"

namespace keyaos {

struct JsonDepth {
  bool ok = true;
  std::string top_key;  // the top-level key whose value is too deep, if the body is an object
};

// One linear pass over the bytes (no recursion, no allocation besides the
// key): arrays and objects nested deeper than `max_depth` fail. `{}` is depth 1.
// Invalid JSON is left to the parsers; only its nesting is measured here.
JsonDepth check_json_depth(std::string_view text, size_t max_depth = limits::kMaxJsonDepth);

}  // namespace keyaos
