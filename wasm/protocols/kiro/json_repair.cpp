#include "protocols/kiro/json_repair.h"

#include <nlohmann/json.hpp>

namespace keyaos::kiro {

std::string json_completion_suffix(std::string_view text) {
  if (nlohmann::json::accept(text)) return {};
  std::string closers;
  JsonStringScan scan;
  for (char c : text) {
    if (scan.string_byte(c)) continue;
    if (c == '{') closers.push_back('}');
    else if (c == '[') closers.push_back(']');
    else if ((c == '}' || c == ']') && !closers.empty()) closers.pop_back();
  }
  std::string suffix;
  if (scan.in_string) suffix += scan.escaped ? "\\\"" : "\"";
  suffix.append(closers.rbegin(), closers.rend());
  std::string candidate(text);
  candidate += suffix;
  return !suffix.empty() && nlohmann::json::accept(candidate) ? suffix : std::string();
}

}  // namespace keyaos::kiro
