#pragma once
#include <string>
#include <string_view>

#include "protocols/common/usage.h"
#include "simdjson.h"

namespace keyaos::openai {

// Reads an OpenAI-style `usage` object, with the dialects of OpenAI-compatible
// providers: OpenRouter `cost`, DeepInfra `estimated_cost`, DeepSeek
// `prompt_cache_hit_tokens`, cached and reasoning token details.
// Returns false when `value` is not an object (e.g. `"usage": null`).
bool read_usage(simdjson::ondemand::value value, Usage& out);

// What Keyaos reads of a complete non-streaming `chat.completion` body, in
// one On-Demand pass (the body itself is forwarded as it came).
struct CompletionSummary {
  std::string error_json;  // the `error` member's JSON when it is not null: an error in a 200
  std::string model;       // the model that served it
  std::string content;     // every choice's message content, for an estimate without `usage`
  Usage usage;             // `usage.present` when the body has a usage object
};
// False when the body is not one valid JSON object.
bool read_completion(std::string_view body, CompletionSummary& out);

}  // namespace keyaos::openai
