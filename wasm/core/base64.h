#pragma once
#include <string>
#include <string_view>

namespace keyaos {

// Standard or URL-safe base64, padding optional. False on any other byte or
// a dangling group.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace keyaos
