#include "routing/ranking.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace keyaos::routing {

double expected_cost_usd(const Offering& o, const Credential& c, int64_t prompt_tokens, int64_t output_tokens) {
  double in = o.prices.input.value_or(0), out = o.prices.output.value_or(0);
  return (in * static_cast<double>(prompt_tokens) + out * static_cast<double>(output_tokens)) / 1e6 * c.multiplier;
}

namespace {
bool contains(const std::vector<std::string>& list, const std::string& id) {
  for (const auto& x : list)
    if (ascii_lower(x) == id) return true;
  return false;
}

int order_index(const std::vector<std::string>& order, const std::string& id) {
  for (size_t i = 0; i < order.size(); ++i)
    if (ascii_lower(order[i]) == id) return static_cast<int>(i);
  return static_cast<int>(order.size());
}

// Costs within a billionth of a dollar are the same price.
int64_t cost_bucket(double usd) { return std::llround(usd * 1e9); }
}  // namespace

Ranking rank(const RankInput& in, HealthBook& health) {
  Ranking out;
  const auto& prefs = *in.preferences;
  std::vector<Candidate> ready;
  for (const Offering& o : *in.offerings) {
    const std::string& pid = o.provider_id;
    if (!prefs.only.empty() && !contains(prefs.only, pid)) {
      out.skipped.push_back({pid, "", "excluded by the request's provider list"});
      continue;
    }
    if (contains(prefs.ignore, pid)) {
      out.skipped.push_back({pid, "", "ignored by the request"});
      continue;
    }
    if (!prefs.allow_fallbacks && !prefs.order.empty() && !contains(prefs.order, pid)) {
      out.skipped.push_back({pid, "", "not in provider.order and fallbacks are disabled"});
      continue;
    }
    if (!o.prices.known()) {
      out.skipped.push_back({pid, "", "no price known for this model"});
      continue;
    }
    bool any_credential = false;
    auto consider = [&](const Credential& c) {
      if (c.provider_id != pid) return;
      any_credential = true;
      if (!c.enabled) { out.skipped.push_back({pid, c.id, "credential disabled"}); return; }
      if (c.dead) { out.skipped.push_back({pid, c.id, "credential dead", c.dead_reason}); return; }
      if (c.quota && *c.quota <= 0) { out.skipped.push_back({pid, c.id, "quota used up"}); return; }
      Candidate cand{&o, &c, expected_cost_usd(o, c, in.prompt_tokens, in.output_tokens), 0};
      int64_t ready_at = 0;
      switch (health.admit(c.id, o.model_id, in.now_ms, &ready_at, in.claim_probes)) {
        case HealthBook::Gate::open:
          ready.push_back(cand);
          break;
        case HealthBook::Gate::probe:
          cand.probe = true;
          ready.push_back(cand);
          break;
        case HealthBook::Gate::cooling:
        case HealthBook::Gate::probing_elsewhere:
          cand.ready_at_ms = ready_at;
          out.cooling.push_back(cand);
          out.skipped.push_back({pid, c.id, "cooling down"});
          break;
      }
    };
    for (const Credential& c : *in.credentials) consider(c);
    if (in.shared)
      for (const Credential& c : *in.shared)
        if (c.owner_id != in.shared_skip_owner) consider(c);
    if (!any_credential) out.skipped.push_back({pid, "", "no credential for this provider"});
  }

  auto better = [&](const Candidate& a, const Candidate& b) {
    int oa = order_index(prefs.order, a.offering->provider_id), ob = order_index(prefs.order, b.offering->provider_id);
    if (oa != ob) return oa < ob;
    int64_t ca = cost_bucket(a.expected_cost_usd), cb = cost_bucket(b.expected_cost_usd);
    if (ca != cb) return ca < cb;
    return a.credential->id < b.credential->id;  // stable base order for the rotation below
  };
  std::sort(ready.begin(), ready.end(), better);
  // Rotate each run of equal cost so equally cheap credentials share the load.
  for (size_t i = 0; i < ready.size();) {
    size_t j = i + 1;
    while (j < ready.size() && cost_bucket(ready[i].expected_cost_usd) == cost_bucket(ready[j].expected_cost_usd) &&
           order_index(prefs.order, ready[i].offering->provider_id) == order_index(prefs.order, ready[j].offering->provider_id))
      ++j;
    if (j - i > 1) std::rotate(ready.begin() + i, ready.begin() + i + (in.rotation % (j - i)), ready.begin() + j);
    i = j;
  }
  out.candidates = std::move(ready);
  std::sort(out.cooling.begin(), out.cooling.end(),
            [](const Candidate& a, const Candidate& b) { return a.ready_at_ms < b.ready_at_ms; });
  return out;
}

ModelMatch resolve_model(const std::string& requested, const std::vector<Offering>& rows) {
  ModelMatch m;
  std::string want = ascii_lower(requested);
  std::set<std::string> suffix_matches;
  for (const auto& o : rows) {
    if (o.model_id == want) {
      m.model_id = want;
      return m;
    }
    auto slash = o.model_id.find('/');
    if (want.find('/') == std::string::npos && slash != std::string::npos && o.model_id.substr(slash + 1) == want)
      suffix_matches.insert(o.model_id);
  }
  if (suffix_matches.size() == 1) m.model_id = *suffix_matches.begin();
  else m.ambiguous.assign(suffix_matches.begin(), suffix_matches.end());
  return m;
}

std::string undated_model(std::string_view requested) {
  std::string s = ascii_lower(requested);
  auto ends_with = [&](std::string_view tail) { return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0; };
  if (ends_with("-latest")) s.resize(s.size() - 7);
  if (s.size() > 9 && s[s.size() - 9] == '-') {
    bool digits = true;
    for (size_t i = s.size() - 8; i < s.size(); ++i) digits = digits && s[i] >= '0' && s[i] <= '9';
    if (digits) s.resize(s.size() - 9);
  }
  return s;
}

std::string canonical_claude_model(std::string_view requested) {
  std::string s = undated_model(requested);
  constexpr std::string_view kVendor = "anthropic/";
  if (s.compare(0, kVendor.size(), kVendor) == 0) s.erase(0, kVendor.size());
  if (s.compare(0, 7, "claude-") != 0) return {};
  // "-4-5" → "-4.5": two one-digit segments in a row are a version number.
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 2 <= s.size() && s[i] == '-' && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        (i + 2 == s.size() || s[i + 2] == '-')) {
      out.push_back('-');
      out.push_back(s[i + 1]);
      i += 2;
      if (i + 2 <= s.size() && s[i] == '-' && std::isdigit(static_cast<unsigned char>(s[i + 1])) && (i + 2 == s.size() || s[i + 2] == '-')) {
        out.push_back('.');
        out.push_back(s[i + 1]);
        i += 2;
      }
      continue;
    }
    out.push_back(s[i++]);
  }
  std::string canonical = std::string(kVendor) + out;
  return canonical == ascii_lower(requested) ? std::string() : canonical;
}

}  // namespace keyaos::routing
