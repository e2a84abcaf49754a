#include "protocols/kiro/models.h"

#include "core/text.h"

namespace keyaos::kiro {

namespace {

constexpr int64_t kDefaultContext = 200000;
constexpr int64_t kMillionContext = 1000000;

// Context windows: Kiro moved Sonnet/Opus 4.6 to 1M tokens (2026-03), and
// Opus 4.7 is served the same way; the others keep 200k. Non-Claude windows
// are Kiro's defaults as far as they are known.
constexpr KiroModel kModels[] = {
    {"anthropic/claude-sonnet-4.5", "claude-sonnet-4.5", kDefaultContext},
    {"anthropic/claude-sonnet-4", "claude-sonnet-4", kDefaultContext},
    {"anthropic/claude-haiku-4.5", "claude-haiku-4.5", kDefaultContext},
    {"anthropic/claude-opus-4.5", "claude-opus-4.5", kDefaultContext},
    {"anthropic/claude-sonnet-4.6", "claude-sonnet-4.6", kMillionContext},
    {"anthropic/claude-opus-4.6", "claude-opus-4.6", kMillionContext},
    {"anthropic/claude-opus-4.7", "claude-opus-4.7", kMillionContext},
    {"anthropic/claude-3.7-sonnet", "CLAUDE_3_7_SONNET_20250219_V1_0", kDefaultContext},
    {"minimax/minimax-m2.1", "minimax-m2.1", kDefaultContext},
    {"minimax/minimax-m2.5", "minimax-m2.5", kDefaultContext},
    {"deepseek/deepseek-v3.2", "deepseek-3.2", kDefaultContext},
    {"moonshotai/kimi-k2.7", "kimi-k2.7", kDefaultContext},
    {"openai/gpt-5.6", "gpt-5.6", kDefaultContext},
    {"x-ai/grok-4.20", "grok-4.20", kDefaultContext},
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "claude-sonnet-4-5-20250929" / "claude-sonnet-4-5" / "claude-opus-4-6-thinking"
// → "claude-sonnet-4.5" …; "claude-3-7-sonnet-…" → the legacy 3.7 id.
std::string normalise_claude_alias(std::string name) {
  for (const char* suffix : {"-thinking", "-latest"}) {
    const std::string_view sfx(suffix);
    if (name.size() > sfx.size() && name.compare(name.size() - sfx.size(), sfx.size(), sfx) == 0) {
      name.resize(name.size() - sfx.size());
    }
  }
  // Drop a trailing -YYYYMMDD release date.
  const size_t dash = name.rfind('-');
  if (dash != std::string::npos && name.size() - dash - 1 == 8 && all_digits(std::string_view(name).substr(dash + 1))) {
    name.resize(dash);
  }
  if (name == "claude-3-7-sonnet" || name == "claude-3.7-sonnet") return "CLAUDE_3_7_SONNET_20250219_V1_0";
  for (const char* family : {"claude-sonnet-", "claude-opus-", "claude-haiku-"}) {
    const std::string_view prefix(family);
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string version = name.substr(prefix.size());
    // "4-5" → "4.5"; "4" stays.
    const size_t d = version.find('-');
    if (d != std::string::npos && all_digits(std::string_view(version).substr(0, d)) &&
        all_digits(std::string_view(version).substr(d + 1))) {
      version[d] = '.';
    }
    return std::string(prefix) + version;
  }
  return name;
}

}  // namespace

const KiroModel* kiro_models(size_t& count) {
  count = sizeof(kModels) / sizeof(kModels[0]);
  return kModels;
}

std::string kiro_model_id(std::string_view requested) {
  for (const KiroModel& m : kModels) {
    if (m.canonical_id == requested || m.kiro_id == requested) return std::string(m.kiro_id);
  }
  const size_t slash = requested.rfind('/');
  const std::string_view bare = slash == std::string_view::npos ? requested : requested.substr(slash + 1);
  const std::string normalised = normalise_claude_alias(ascii_lower(bare));
  for (const KiroModel& m : kModels) {
    if (m.kiro_id == normalised) return std::string(m.kiro_id);
  }
  if (normalised.compare(0, 7, "claude-") == 0) return normalised;
  return std::string(bare);
}

int64_t context_window(std::string_view kiro_id) {
  for (const KiroModel& m : kModels) {
    if (m.kiro_id == kiro_id) return m.context_window;
  }
  return kDefaultContext;
}

}  // namespace keyaos::kiro
