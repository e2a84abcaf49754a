#pragma once
#include <cctype>
#include <string>
#include <string_view>

namespace keyaos {

// ASCII lower-case: model ids, provider ids and header names are ASCII.
inline std::string ascii_lower(std::string_view text) {
  std::string s(text);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Case-insensitive (ASCII) substring search, for matching error messages.
inline bool contains_ascii_ci(std::string_view haystack, std::string_view needle) {
  auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && low(haystack[i + j]) == low(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace keyaos
