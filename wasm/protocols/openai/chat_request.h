#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.h"
#include "simdjson.h"

namespace keyaos::openai {

// Routing controls a client may put in the body (OpenRouter-compatible).
// They are consumed by the gateway and never forwarded.
struct ProviderPreferences {
  std::vector<std::string> only;    // `provider: "x"`, `provider: [..]` or `provider.only`
  std::vector<std::string> ignore;  // `provider.ignore`
  std::vector<std::string> order;   // `provider.order`: tried first, in this order
  bool allow_fallbacks = true;      // `provider.allow_fallbacks`: false = only `order`
};

// An incoming /v1/chat/completions body, read once without building a DOM.
// The fields the gateway rewrites are taken out; the rest is kept verbatim.
struct ChatRequest {
  std::string model;
  std::vector<std::string> fallback_models;  // `models: [...]`
  bool stream = false;
  std::optional<int64_t> max_output_tokens;  // max_completion_tokens or max_tokens
  int64_t prompt_bytes = 0;                  // size of `messages`, for cost estimates
  ProviderPreferences providers;
  std::string stream_options;  // raw JSON object or empty
  std::string kept_fields;     // `"k":v,...` of every other top-level field, verbatim
};

// Reads a `provider` value (an id, a list of ids, or {only, ignore, order,
// allow_fallbacks}); false when it has another shape or a list is too long.
bool read_provider_field(simdjson::ondemand::value v, ProviderPreferences& prefs);

// Parses and validates; on failure fills `error` (400 with param) and returns false.
bool parse_chat_request(std::string_view body, ChatRequest& out, ApiError& error);

// The body to send to an OpenAI-compatible upstream for `upstream_model`.
// Streams ask for the usage chunk (stream_options.include_usage) so every
// streamed request can be billed from the upstream's own numbers.
std::string upstream_chat_body(const ChatRequest& req, std::string_view upstream_model);

// `body` (a JSON object) without its top-level member `name`; the other
// members verbatim, in order. Empty when `body` is not a JSON object.
std::string without_member(std::string_view body, std::string_view name);

}  // namespace keyaos::openai
