#pragma once
// Writing JSON text fast: the same bytes as nlohmann's dump (core/json.h
// dump_json: compact, non-ASCII kept, invalid UTF-8 replaced by U+FFFD), with
// a string escaper that copies runs of plain bytes instead of decoding every
// code point. Request bodies of long conversations are mostly string bytes,
// and nlohmann's per-code-point escaper was most of the time spent mapping them.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keyaos::json_write {

// Appends `text` as a JSON string literal: `"` and `\` escaped, control bytes
// as \b \t \n \f \r or \u00xx, everything else as it is.
void string(std::string_view text, std::string& out);

// Appends the tree as dump_json writes it, byte for byte.
template <class Json>
void tree(const Json& j, std::string& out);

template <class Json>
std::string dump(const Json& j) {
  std::string out;
  tree(j, out);
  return out;
}

extern template void tree(const nlohmann::json&, std::string&);
extern template void tree(const nlohmann::ordered_json&, std::string&);

}  // namespace keyaos::json_write
