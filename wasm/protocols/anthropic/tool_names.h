#pragma once
#include <map>
#include <string>
#include <string_view>

namespace keyaos::anthropic {

// OpenAI function names are at most 64 bytes of [A-Za-z0-9_-]; MCP tool
// names (`mcp__server__tool`) can be longer. A name that does not fit is
// replaced by a deterministic one (a readable prefix and a hash of the whole
// name), and the answer's tool calls are mapped back to the client's name.
class ToolNames {
 public:
  static constexpr size_t kMaxLength = 64;

  // The name to send upstream for the client's `name` (recorded when changed).
  std::string upstream_name(std::string_view name);
  // The client's name for an upstream tool-call name.
  std::string client_name(std::string_view upstream) const;
  size_t changed() const { return to_client_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> to_client_;
};

// The deterministic upstream form of a name (identity when it already fits).
std::string shorten_tool_name(std::string_view name);

}  // namespace keyaos::anthropic
