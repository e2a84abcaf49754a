#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace keyaos::responses {

// How the Responses client knows each tool it offered, by the function name
// the chat upstream sees. Chat names must match ^[a-zA-Z0-9_-]{1,64}$, so
// namespaced tools are flattened ("ns__tool") and long or odd names are
// shortened with a hash; custom (freeform) tools become functions taking one
// string. The table turns the upstream's calls back into the client's terms.
struct ClientTool {
  std::string chat_name;
  std::string name;       // the client's own tool name
  std::string namespace_; // the namespace tool it sits in, or empty
  bool custom = false;    // a freeform tool: the call carries `input`, not `arguments`
};

class ToolNames {
 public:
  // The chat function name of (namespace, name); the same inputs always give
  // the same name, so history items map without the tool list.
  static std::string chat_name(std::string_view ns, std::string_view name);
  void add(ClientTool tool);
  const ClientTool* find(std::string_view chat_name) const;
  const std::vector<ClientTool>& all() const { return tools_; }

 private:
  std::vector<ClientTool> tools_;
};

// The argument object a custom tool's function takes: {"input": string}.
inline constexpr const char* kCustomInputField = "input";

}  // namespace keyaos::responses
