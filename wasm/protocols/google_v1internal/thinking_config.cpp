#include "protocols/google_v1internal/thinking_config.h"

namespace keyaos::google_v1internal {
namespace {

using nlohmann::ordered_json;

enum class Family { none, budget_gemini_2_5, level_gemini_3, claude };

bool has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

Family family_of(std::string_view model) {
  if (model.substr(0, 10) == "gemini-2.5") return Family::budget_gemini_2_5;
  if (model.substr(0, 8) == "gemini-3" || model == "gemini-pro-agent") return Family::level_gemini_3;
  if (model.substr(0, 7) == "claude-") return Family::claude;
  return Family::none;
}

struct BudgetRange {
  int64_t min;
  int64_t max;
  bool can_disable;
};

BudgetRange budget_range(std::string_view model, Family family) {
  if (family == Family::claude) return {1024, 32768, true};
  if (has(model, "flash-lite")) return {512, 24576, true};
  if (has(model, "flash")) return {1, 24576, true};
  return {128, 32768, false};  // 2.5 Pro always thinks
}

int64_t budget_for_effort(std::string_view effort) {
  if (effort == "none") return 0;
  if (effort == "minimal") return 512;
  if (effort == "low") return 1024;
  if (effort == "medium") return 8192;
  if (effort == "high") return 24576;
  if (effort == "xhigh" || effort == "max") return 32768;
  return -1;
}

// Gemini 3 Flash knows minimal/low/medium/high; Pro only low/high.
const char* level_for_effort(std::string_view model, std::string_view effort) {
  bool flash = has(model, "flash");
  if (effort == "none" || effort == "minimal") return flash ? "minimal" : "low";
  if (effort == "low") return "low";
  if (effort == "medium") return flash ? "medium" : "high";
  if (effort == "high" || effort == "xhigh" || effort == "max") return "high";
  return nullptr;
}

bool known_effort(std::string_view effort) { return budget_for_effort(effort) >= 0; }

}  // namespace

ordered_json thinking_config(std::string_view model, std::string_view effort, int64_t budget_tokens) {
  Family family = family_of(model);
  bool asked = known_effort(effort) || budget_tokens >= 0;
  if (family == Family::none) {
    // Models named "…-thinking" think on their own; others may reject the config.
    if (!has(model, "thinking")) return nullptr;
    family = Family::claude;
    if (!asked) return ordered_json{{"includeThoughts", true}};
  }
  ordered_json config = ordered_json::object();
  if (!asked) {
    if (family == Family::claude && !has(model, "thinking")) return nullptr;
    config["includeThoughts"] = true;
    if (family == Family::budget_gemini_2_5) config["thinkingBudget"] = -1;  // dynamic
    return config;
  }
  bool off = budget_tokens == 0 || (budget_tokens < 0 && effort == "none");
  if (family == Family::level_gemini_3 && budget_tokens < 0) {
    config["includeThoughts"] = !off;
    config["thinkingLevel"] = level_for_effort(model, effort);
    return config;
  }
  BudgetRange range = budget_range(model, family);
  int64_t budget = budget_tokens >= 0 ? budget_tokens : budget_for_effort(effort);
  if (off) {
    if (family == Family::claude) return nullptr;
    if (range.can_disable) return ordered_json{{"includeThoughts", false}, {"thinkingBudget", 0}};
    budget = range.min;
  }
  if (budget < range.min) budget = range.min;
  if (budget > range.max) budget = range.max;
  config["includeThoughts"] = !off;
  config["thinkingBudget"] = budget;
  return config;
}

}  // namespace keyaos::google_v1internal
