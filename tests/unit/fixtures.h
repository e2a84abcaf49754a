#pragma once
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

// Reads tests/fixtures/<name> as bytes; empty string when missing.
inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(KEYAOS_FIXTURES) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Bytes from hex digits; anything else (spaces, newlines, comments' letters
// outside a-f) is skipped, as hex dumps in the fixtures are formatted.
inline std::string from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  int high = -1;
  for (char c : hex) {
    const int n = nibble(c);
    if (n < 0) continue;
    if (high < 0) {
      high = n;
    } else {
      out.push_back(static_cast<char>(high * 16 + n));
      high = -1;
    }
  }
  return out;
}
