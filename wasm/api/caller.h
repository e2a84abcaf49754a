#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keyaos::api {

// Who is calling, once authenticated.
struct Caller {
  std::string owner_id;                     // whose rows: 'self' in Core mode and for the Platform operator
  std::string user_id;                      // the account as its owner knows it (the Clerk user id; 'self' in Core)
  std::string api_key_id;                   // empty for the admin token or a session
  std::vector<std::string> allowed_models;  // empty = every model
  bool admin = false;                       // the admin token (Core) or the operator's session (Platform)
  bool session = false;                     // a signed-in Platform session
  std::optional<int64_t> quota;             // the API key's quota in nano-USD; none = unlimited

  // An allowed entry names the canonical id (`openai/gpt-4o`) or the bare id (`gpt-4o`).
  bool may_use(const std::string& canonical_model_id) const;
};

}  // namespace keyaos::api
