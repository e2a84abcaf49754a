#include "api/caller.h"

#include "core/text.h"

namespace keyaos::api {

bool Caller::may_use(const std::string& canonical_model_id) const {
  if (allowed_models.empty()) return true;
  const std::string id = ascii_lower(canonical_model_id);
  const auto slash = id.find('/');
  const std::string bare = slash == std::string::npos ? id : id.substr(slash + 1);
  for (const auto& entry : allowed_models) {
    const std::string e = ascii_lower(entry);
    if (e == id || e == bare) return true;
  }
  return false;
}

}  // namespace keyaos::api
