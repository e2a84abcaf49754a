#include "core/json_validate.h"

#include <string>

#include "core/json_scan.h"

namespace keyaos {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return -1;
  int v = 0;
  for (size_t k = at; k < at + 4; ++k) {
    const char c = s[k];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

// At the opening quote; moves past the closing one.
bool skip_string(std::string_view s, size_t& i) {
  ++i;
  while (i < s.size()) {
    i = static_cast<size_t>(json_scan::skip_plain_string_bytes(s.data() + i, s.data() + s.size()) - s.data());
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      ++i;
      return true;
    }
    if (c < 0x20) return false;  // otherwise c is the backslash of an escape
    if (i + 1 >= s.size()) return false;
    const char e = s[i + 1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      i += 2;
      continue;
    }
    if (e != 'u') return false;
    const int unit = hex4(s, i + 2);
    if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return false;
    i += 6;
    if (unit >= 0xD800 && unit <= 0xDBFF) {  // a high surrogate needs its low half
      if (i + 1 >= s.size() || s[i] != '\\' || s[i + 1] != 'u') return false;
      const int low = hex4(s, i + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      i += 6;
    }
  }
  return false;
}

bool skip_number(std::string_view s, size_t& i) {
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < n && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  return true;
}

bool skip_literal(std::string_view s, size_t& i, std::string_view word) {
  if (s.substr(i, word.size()) != word) return false;
  i += word.size();
  return true;
}

}  // namespace

bool is_valid_json(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  std::string open;  // '{' / '[' of the containers we are inside
  enum class Expect { value, key, after_value } expect = Expect::value;
  while (true) {
    while (i < n && is_ws(s[i])) ++i;
    if (expect == Expect::after_value) {
      if (open.empty()) return i == n;
      if (i >= n) return false;
      const char c = s[i++];
      if (c == ',') {
        expect = open.back() == '{' ? Expect::key : Expect::value;
      } else if ((c == '}' && open.back() == '{') || (c == ']' && open.back() == '[')) {
        open.pop_back();
      } else {
        return false;
      }
      continue;
    }
    if (i >= n) return false;
    if (expect == Expect::key) {
      if (s[i] != '"' || !skip_string(s, i)) return false;
      while (i < n && is_ws(s[i])) ++i;
      if (i >= n || s[i] != ':') return false;
      ++i;
      expect = Expect::value;
      continue;
    }
    const char c = s[i];
    bool ok = true;
    if (c == '{' || c == '[') {
      ++i;
      while (i < n && is_ws(s[i])) ++i;
      if (i < n && s[i] == (c == '{' ? '}' : ']')) {
        ++i;
        expect = Expect::after_value;
      } else {
        open.push_back(c);
        expect = c == '{' ? Expect::key : Expect::value;
      }
      continue;
    }
    if (c == '"') ok = skip_string(s, i);
    else if (c == 't') ok = skip_literal(s, i, "true");
    else if (c == 'f') ok = skip_literal(s, i, "false");
    else if (c == 'n') ok = skip_literal(s, i, "null");
    else ok = skip_number(s, i);
    if (!ok) return false;
    expect = Expect::after_value;
  }
}

}  // namespace keyaos
