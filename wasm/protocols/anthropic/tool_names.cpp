#include "protocols/anthropic/tool_names.h"

#include <cstdint>

namespace keyaos::anthropic {
namespace {

bool fits(std::string_view name) {
  if (name.empty() || name.size() > ToolNames::kMaxLength) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::string shorten_tool_name(std::string_view name) {
  if (fits(name)) return std::string(name);
  // 47 bytes of the name, '_', 16 hex digits of its hash: 64 bytes, unique per name.
  constexpr size_t kPrefix = ToolNames::kMaxLength - 17;
  std::string out;
  for (size_t i = 0; i < name.size() && out.size() < kPrefix; ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  static const char* kHex = "0123456789abcdef";
  uint64_t h = fnv1a64(name);
  out.push_back('_');
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xF]);
  return out;
}

std::string ToolNames::upstream_name(std::string_view name) {
  std::string up = shorten_tool_name(name);
  if (up != name) to_client_.emplace(up, std::string(name));
  return up;
}

std::string ToolNames::client_name(std::string_view upstream) const {
  auto it = to_client_.find(upstream);
  return it == to_client_.end() ? std::string(upstream) : it->second;
}

}  // namespace keyaos::anthropic
