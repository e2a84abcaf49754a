#pragma once
#include <string>
#include <string_view>

namespace keyaos::kiro {

// What to append to a JSON text cut short (an unterminated string, open
// objects and arrays) to make it parse. Empty when it already parses or when
// closing brackets cannot fix it (e.g. it stops after a key or a comma).
std::string json_completion_suffix(std::string_view text);

}  // namespace keyaos::kiro
