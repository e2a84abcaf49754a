#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/google_v1internal/product.h"

// Finding the Code Assist project of an account (gemini-cli setup.ts):
//   1. POST :loadCodeAssist. A current tier means the account is onboarded;
//      its project is in the answer (or must be the user's own).
//   2. Otherwise POST :onboardUser with the default allowed tier and poll the
//      returned operation (GET v1internal/<name>) until done; the project is
//      in the operation's response.
namespace keyaos::google_v1internal {

inline constexpr std::string_view kLegacyTierId = "legacy-tier";
inline constexpr std::string_view kFreeTierId = "free-tier";

// `project_id` is the user's own Google Cloud project, empty when none.
std::string build_load_code_assist_body(Product product, std::string_view project_id = {});

struct LoadCodeAssistResult {
  bool ok = false;
  bool onboarded = false;        // the account has a current tier
  std::string project_id;        // cloudaicompanionProject; empty when the account has none yet
  // Onboarded: the paid tier, else the current tier. Not onboarded: the tier to
  // onboard to (the default allowed tier, legacy-tier when none is marked).
  std::string tier_id;
  bool tier_needs_user_project = false;  // the tier expects the user's own project
  UpstreamError error;           // also set when every tier is ineligible for the account
};

LoadCodeAssistResult parse_load_code_assist(int http_status, std::string_view body, int64_t now_ms);

// The free tier must not name a project (the API answers Precondition Failed).
std::string build_onboard_user_body(Product product, std::string_view tier_id, std::string_view project_id = {},
                                    std::string_view antigravity_version = "2.9.1");

// The long-running operation returned by :onboardUser and by each poll.
struct OnboardOperation {
  bool ok = false;
  bool done = false;         // false: poll operation_url(base, name) again
  std::string name;          // "operations/…"
  std::string project_id;    // once done; empty means the user's own project is used
  UpstreamError error;
};

OnboardOperation parse_onboard_operation(int http_status, std::string_view body, int64_t now_ms);

}  // namespace keyaos::google_v1internal
