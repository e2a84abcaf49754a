#include "protocols/kiro/client_identity.h"

namespace keyaos::kiro {

bool is_header_safe_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_token_text(std::string_view token) {
  if (token.empty()) return false;
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace keyaos::kiro
