#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyaos::kiro {

struct KiroModel {
  std::string_view canonical_id;  // Keyaos catalogue id, e.g. "anthropic/claude-sonnet-4.5"
  std::string_view kiro_id;       // what generateAssistantResponse expects as modelId
  int64_t context_window;         // tokens; scales contextUsagePercentage
};

// The models Kiro serves, as the static catalogue lists them.
const KiroModel* kiro_models(size_t& count);

// Kiro's modelId for a requested model: a catalogue id, a bare Kiro id, or an
// Anthropic-style alias ("claude-sonnet-4-5-20250929"). Anything else is
// passed on bare, without its vendor prefix.
std::string kiro_model_id(std::string_view requested);

// Context window of a Kiro model id; 200 000 when unknown.
int64_t context_window(std::string_view kiro_id);

}  // namespace keyaos::kiro
