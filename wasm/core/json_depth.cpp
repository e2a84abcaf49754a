#include "core/json_depth.h"

#include "core/json_scan.h"

namespace keyaos {

JsonDepth check_json_depth(std::string_view text, size_t max_depth) {
  JsonDepth out;
  size_t depth = 0;
  bool top_is_object = false;
  bool expect_key = false;  // at depth 1 of an object, the next string is a key
  size_t key_start = 0;
  std::string_view key;
  const char* const end = text.data() + text.size();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const bool is_key = expect_key && depth == 1;
      const size_t start = i + 1;
      for (++i; i < text.size();) {
        i = static_cast<size_t>(json_scan::skip_plain_string_bytes(text.data() + i, end) - text.data());
        if (i >= text.size() || text[i] == '"') break;
        i += text[i] == '\\' ? 2 : 1;  // an escape, or a control byte (invalid; left to the parsers)
      }
      if (is_key) {
        key_start = start;
        key = text.substr(key_start, (i < text.size() ? i : text.size()) - key_start);
        expect_key = false;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      if (depth == 0) top_is_object = c == '{';
      if (++depth > max_depth) {
        out.ok = false;
        if (top_is_object) out.top_key.assign(key);
        return out;
      }
      if (depth == 1) expect_key = top_is_object;
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    } else if (c == ',' && depth == 1) {
      expect_key = top_is_object;
    }
  }
  return out;
}

}  // namespace keyaos
