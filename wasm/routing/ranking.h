#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/text.h"
#include "protocols/openai/chat_request.h"
#include "routing/health.h"
#include "routing/types.h"

namespace keyaos::routing {

// Output tokens assumed when a request sets no max_tokens: a typical chat answer.
constexpr int64_t kDefaultExpectedOutputTokens = 512;

struct Candidate {
  const Offering* offering = nullptr;
  const Credential* credential = nullptr;
  double expected_cost_usd = 0;  // of this request, multiplier applied
  int64_t ready_at_ms = 0;       // > 0: cooling down until then (only tried as a last resort)
  bool probe = false;            // this request holds the pair's probe after a cooldown
};

struct Skip {
  std::string provider_id;
  std::string credential_id;  // empty when the whole provider was skipped
  std::string reason;
  std::string detail;  // upstream text behind the reason (a dead credential's); for /api views only
};

struct Ranking {
  std::vector<Candidate> candidates;  // in the order to try them
  std::vector<Candidate> cooling;     // usable later, soonest first
  std::vector<Skip> skipped;
};

struct RankInput {
  const std::vector<Offering>* offerings = nullptr;  // of one canonical model
  const std::vector<Credential>* credentials = nullptr;
  const openai::ProviderPreferences* preferences = nullptr;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = kDefaultExpectedOutputTokens;
  uint64_t rotation = 0;  // round-robin position for equal costs
  int64_t now_ms = 0;
  bool claim_probes = true;  // false when only explaining a route
  // Platform's shared pool, ranked with `credentials` but for the rows of
  // `shared_skip_owner` (the caller's, already in `credentials`).
  const std::vector<Credential>* shared = nullptr;
  std::string shared_skip_owner;
};

double expected_cost_usd(const Offering& o, const Credential& c, int64_t prompt_tokens, int64_t output_tokens);

// Ranks every (offering x credential) pair by the expected cost of this request.
// Equal costs rotate deterministically with `rotation`.
Ranking rank(const RankInput& in, HealthBook& health);

// Resolves a requested model against catalogue rows whose model id or
// suffix matched: exact canonical id first, else a unique `*/<id>`.
struct ModelMatch {
  std::string model_id;                 // resolved canonical id, empty if none
  std::vector<std::string> ambiguous;   // several vendors share the bare id
};
ModelMatch resolve_model(const std::string& requested, const std::vector<Offering>& rows);

// Anthropic's own model names (`claude-sonnet-4-5-20250929`,
// `claude-3-5-haiku-latest`, `anthropic/claude-opus-4-1`) in the catalogue's
// canonical form (`anthropic/claude-sonnet-4.5`): no date or `-latest`,
// version digits joined by a dot. Empty when `requested` is not such a name
// or is already canonical.
std::string canonical_claude_model(std::string_view requested);
// The name without a trailing `-YYYYMMDD` or `-latest` (lower case).
std::string undated_model(std::string_view requested);


}  // namespace keyaos::routing
