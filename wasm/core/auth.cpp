#include "core/auth.h"

#include "core/text.h"

namespace keyaos {

std::string request_token(const Json& headers) {
  std::string auth = str_field(headers, "authorization");
  if (auth.size() > 7) {
    if (ascii_lower(auth.substr(0, 7)) == "bearer ") {
      std::string token = auth.substr(7);
      while (!token.empty() && token.front() == ' ') token.erase(0, 1);
      while (!token.empty() && token.back() == ' ') token.pop_back();
      if (!token.empty()) return token;
    }
  }
  return str_field(headers, "x-api-key");
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Length is compared in the same pass; the loop always runs over `a`.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char bc = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(a[i]) ^ bc;
  }
  return diff == 0;
}

}  // namespace keyaos
