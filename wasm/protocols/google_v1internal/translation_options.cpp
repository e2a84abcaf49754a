#include "protocols/google_v1internal/translation_options.h"

#include <string_view>

namespace keyaos::google_v1internal {

std::string default_tool_call_id_prefix(const TranslationOptions& options) {
  if (!options.tool_call_id_prefix.empty()) return options.tool_call_id_prefix;
  std::string_view id = options.id;
  constexpr std::string_view kCompletionPrefix = "chatcmpl-";
  if (id.substr(0, kCompletionPrefix.size()) == kCompletionPrefix) id.remove_prefix(kCompletionPrefix.size());
  return "call_" + std::string(id) + "_";
}

}  // namespace keyaos::google_v1internal
