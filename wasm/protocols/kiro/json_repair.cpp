#include "protocols/kiro/json_repair.h"

#include <nlohmann/json.hpp>

namespace keyaos::kiro {

std::string json_completion_suffix(std::string_view text) {
  if (nlohmann::json::accept(text)) return {};
  std::string closers;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{') closers.push_back('}');
    else if (c == '[') closers.push_back(']');
    else if ((c == '}' || c == ']') && !closers.empty()) closers.pop_back();
  }
  std::string suffix;
  if (in_string) suffix += escaped ? "\\\"" : "\"";
  suffix.append(closers.rbegin(), closers.rend());
  std::string candidate(text);
  candidate += suffix;
  return !suffix.empty() && nlohmann::json::accept(candidate) ? suffix : std::string();
}

}  // namespace keyaos::kiro
