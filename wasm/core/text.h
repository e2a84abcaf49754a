#pragma once
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyaos {

// FNV-1a (32-bit): a fast, stable hash of bytes, for jitter and short
// distinct names, never for anything secret. Chain calls by passing `h`.
inline uint32_t fnv1a(std::string_view bytes, uint32_t h = 2166136261u) {
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

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

// `raw` without the JSON whitespace simdjson's raw_json() leaves after a scalar.
inline std::string_view trim_json_whitespace_end(std::string_view raw) {
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) raw.remove_suffix(1);
  return raw;
}

// scheme://host[:port] of a URL.
inline std::string url_origin(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return std::string(path == std::string_view::npos ? url : url.substr(0, path));
}

// Everything but RFC 3986's unreserved characters percent-encoded: a URL
// path segment, or a form value (spaces as %20, which form parsers accept).
inline std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace keyaos
