#pragma once
#include <string_view>

namespace keyaos {

// True when `text` is one complete JSON value (RFC 8259 grammar, surrounding
// whitespace allowed). simdjson On-Demand skips values it is not asked to
// read without checking their tokens, so text forwarded verbatim is checked
// with this. Iterative: nesting depth costs heap, not stack. UTF-8 is not
// checked here (simdjson's first stage already did).
bool is_valid_json(std::string_view text);

}  // namespace keyaos
