#pragma once
#include <string>
#include <string_view>

namespace keyaos::kiro {

// Where a left-to-right scan of JSON text stands with respect to strings, so
// brackets inside them are not counted.
struct JsonStringScan {
  bool in_string = false;
  bool escaped = false;  // the last byte was a backslash inside a string
  // True when `c` belongs to a string, its quotes included.
  bool string_byte(char c) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      return true;
    }
    if (c == '"') in_string = true;
    return in_string;
  }
};

// What to append to a JSON text cut short (an unterminated string, open
// objects and arrays) to make it parse. Empty when it already parses or when
// closing brackets cannot fix it (e.g. it stops after a key or a comma).
std::string json_completion_suffix(std::string_view text);

}  // namespace keyaos::kiro
