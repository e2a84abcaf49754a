#include "catalog/sync_plan.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "simdjson.h"

namespace keyaos::catalog {

namespace {
namespace od = simdjson::ondemand;

bool is_due(const SyncCandidate& c, int64_t now_ms, int64_t min_interval_ms) {
  return c.last_at == 0 || c.pending || now_ms - c.last_at >= min_interval_ms;
}
}  // namespace

bool parse_sync_state(std::string_view text, SyncState& out) {
  simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(root)) return false;
  SyncState state;
  for (auto member : root) {
    od::field field;
    std::string_view key;
    if (std::move(member).get(field) || field.unescaped_key(false).get(key)) return false;
    od::value v = field.value();
    if (key == "at" || key == "models" || key == "bytes" || key == "pending") {
      int64_t& target = key == "at" ? state.at : key == "models" ? state.models : key == "bytes" ? state.bytes : state.pending;
      if (v.get_int64().get(target)) return false;
    } else if (key == "ok") {
      if (v.get_bool().get(state.ok)) return false;
    } else if (key == "error" || key == "note" || key == "list_key") {
      bool is_null = false;
      if (v.is_null().get(is_null)) return false;
      if (is_null) continue;
      std::string_view text_value;
      if (v.get_string().get(text_value)) return false;
      (key == "error" ? state.error : key == "note" ? state.note : state.list_key).assign(text_value);
    }
  }
  out = std::move(state);
  return true;
}

std::string sync_state_json(const SyncState& s) {
  auto text_or_null = [](const std::string& v) { return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v); };
  nlohmann::json j = {{"at", s.at},           {"ok", s.ok},       {"models", s.models},
                      {"bytes", s.bytes},     {"pending", s.pending}, {"error", text_or_null(s.error)},
                      {"note", text_or_null(s.note)}, {"list_key", text_or_null(s.list_key)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<size_t> pick_sync_batch(const std::vector<SyncCandidate>& candidates, const SyncBudget& budget,
                                    int64_t now_ms, int64_t min_interval_ms) {
  std::vector<size_t> due;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (is_due(candidates[i], now_ms, min_interval_ms)) due.push_back(i);
  std::stable_sort(due.begin(), due.end(), [&](size_t a, size_t b) {
    if (candidates[a].last_at != candidates[b].last_at) return candidates[a].last_at < candidates[b].last_at;
    return candidates[a].reference && !candidates[b].reference;
  });

  std::vector<size_t> picked;
  int64_t models = 0;
  for (size_t i : due) {
    if (static_cast<int64_t>(picked.size()) >= budget.lists) break;
    const int64_t cost = std::max<int64_t>(candidates[i].expected_models, 1);
    if (!picked.empty() && models + cost > budget.models) continue;  // a smaller one further down may fit
    picked.push_back(i);
    models += cost;
  }
  std::stable_partition(picked.begin(), picked.end(), [&](size_t i) { return candidates[i].reference; });
  return picked;
}

}  // namespace keyaos::catalog
