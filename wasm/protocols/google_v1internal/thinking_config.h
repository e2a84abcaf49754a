#pragma once
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keyaos::google_v1internal {

// generationConfig.thinkingConfig for `model` from OpenAI's reasoning
// controls. `effort` is reasoning_effort ("none" … "xhigh"), empty when not
// given; `budget_tokens` an explicit budget (OpenRouter reasoning.max_tokens),
// negative when not given. Gemini 2.5 and Claude take a token budget, Gemini 3
// a thinking level. Returns null when the model should get no thinking config.
// Without any request the config asks for thoughts, as gemini-cli does, so
// reasoning reaches the client as reasoning_content.
nlohmann::ordered_json thinking_config(std::string_view model, std::string_view effort, int64_t budget_tokens = -1);

}  // namespace keyaos::google_v1internal
