#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keyaos::api {

// Who is calling, once authenticated.
struct Caller {
  std::string owner_id;
  std::string api_key_id;                   // empty for the admin token
  std::vector<std::string> allowed_models;  // empty = every model
  bool admin = false;
  std::optional<int64_t> quota;             // the API key's quota in nano-USD; none = unlimited

  // An allowed entry names the canonical id (`openai/gpt-4o`) or the bare id (`gpt-4o`).
  bool may_use(const std::string& canonical_model_id) const;
};

}  // namespace keyaos::api
