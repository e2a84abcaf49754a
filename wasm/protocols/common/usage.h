#pragma once
#include <cstdint>
#include <optional>

namespace keyaos {

// Token usage of one upstream response, in OpenAI terms.
// completion_tokens includes reasoning tokens (as OpenAI reports them);
// prompt_tokens includes cached and cache-write tokens.
struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;       // prompt tokens served from cache (cache read)
  int64_t cache_write_tokens = 0;  // prompt tokens written to cache
  int64_t reasoning_tokens = 0;    // part of completion_tokens
  // Cost the upstream itself reported, in USD (OpenRouter usage.cost,
  // DeepInfra usage.estimated_cost). Wins over catalogue prices.
  std::optional<double> reported_cost_usd;
  bool present = false;    // the upstream reported usage at all
  bool estimated = false;  // counts are our estimate, not the upstream's
};

}  // namespace keyaos
