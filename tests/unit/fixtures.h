#pragma once
#include <fstream>
#include <sstream>
#include <string>

// Reads tests/fixtures/<name> as bytes; empty string when missing.
inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(KEYAOS_FIXTURES) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
