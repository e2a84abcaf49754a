#pragma once
#include <string_view>

#include "protocols/common/usage.h"
#include "simdjson.h"

namespace keyaos::openai {

// Reads an OpenAI-style `usage` object, with the dialects of OpenAI-compatible
// providers: OpenRouter `cost`, DeepInfra `estimated_cost`, DeepSeek
// `prompt_cache_hit_tokens`, cached and reasoning token details.
// Returns false when `value` is not an object (e.g. `"usage": null`).
bool read_usage(simdjson::ondemand::value value, Usage& out);

// Usage of a complete non-streaming `chat.completion` body.
bool usage_from_completion(std::string_view body, Usage& out);

}  // namespace keyaos::openai
