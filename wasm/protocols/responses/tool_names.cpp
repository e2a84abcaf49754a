#include "protocols/responses/tool_names.h"

#include <cstdint>
#include <cstdio>

#include "core/text.h"

namespace keyaos::responses {
namespace {

constexpr size_t kMaxChatName = 64;

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string ToolNames::chat_name(std::string_view ns, std::string_view name) {
  std::string joined;
  if (!ns.empty()) {
    joined.append(ns);
    joined += "__";
  }
  joined.append(name);
  bool clean = !joined.empty() && joined.size() <= kMaxChatName;
  for (char c : joined) clean = clean && name_char(c);
  if (clean) return joined;
  // Shortened names stay distinct: a hash of the exact (namespace, name).
  const uint32_t h = fnv1a(name, fnv1a(std::string_view("\x1f", 1), fnv1a(ns)));
  std::string out;
  for (char c : joined) out.push_back(name_char(c) ? c : '_');
  if (out.size() > kMaxChatName - 9) out.resize(kMaxChatName - 9);
  char hex[10];
  std::snprintf(hex, sizeof hex, "_%08x", h);
  return out + hex;
}

void ToolNames::add(ClientTool tool) {
  for (auto& t : tools_)
    if (t.chat_name == tool.chat_name) {
      t = std::move(tool);
      return;
    }
  tools_.push_back(std::move(tool));
}

const ClientTool* ToolNames::find(std::string_view chat_name) const {
  for (const auto& t : tools_)
    if (t.chat_name == chat_name) return &t;
  return nullptr;
}

}  // namespace keyaos::responses
