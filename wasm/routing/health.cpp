#include "routing/health.h"

#include <algorithm>
#include <cmath>

namespace keyaos::routing {
namespace {
constexpr int64_t kMaxRateLimitMs = 60LL * 60 * 1000;        // never park a key on a rate limit for over an hour
constexpr int64_t kMaxQuotaResetMs = 32LL * 24 * 3600 * 1000; // monthly quotas reset within a month
constexpr int64_t kProbeTimeoutMs = 2 * 60 * 1000;            // a probe that never reported frees the slot
constexpr int kServerFailuresBeforeCooldown = 2;
}  // namespace

int64_t HealthBook::backoff_ms(const UpstreamError& e, int failures, double jitter) {
  const int n = std::max(1, std::min(failures, 10));
  switch (e.error_class) {
    case ErrorClass::rate_limited: {
      if (e.retry_after_ms >= 0) return std::min(std::max<int64_t>(e.retry_after_ms, 1000), kMaxRateLimitMs);
      // 5 s, 10 s, 20 s ... capped at 10 min, +0–25 % jitter.
      double base = std::min(5000.0 * std::pow(2.0, n - 1), 600000.0);
      return static_cast<int64_t>(base * (1.0 + 0.25 * jitter));
    }
    case ErrorClass::quota_exhausted:
      if (e.retry_after_ms > 0) return std::min(e.retry_after_ms, kMaxQuotaResetMs);
      return 60LL * 60 * 1000;
    case ErrorClass::server:
    case ErrorClass::timeout:
    case ErrorClass::network:
    case ErrorClass::stream: {
      if (n < kServerFailuresBeforeCooldown) return 0;  // one blip is not a pattern
      double base = std::min(10000.0 * std::pow(2.0, n - kServerFailuresBeforeCooldown), 300000.0);
      return static_cast<int64_t>(base * (1.0 + 0.25 * jitter));
    }
    default:
      return 0;
  }
}

HealthBook::Gate HealthBook::admit(const std::string& credential_id, const std::string& model_id, int64_t now_ms,
                                   int64_t* ready_at_ms, bool claim_probe) {
  auto it = states_.find(key(credential_id, model_id));
  if (ready_at_ms) *ready_at_ms = 0;
  if (it == states_.end() || it->second.until_ms == 0) return Gate::open;
  State& s = it->second;
  if (now_ms < s.until_ms) {
    if (ready_at_ms) *ready_at_ms = s.until_ms;
    return Gate::cooling;
  }
  if (s.probe_started_ms && now_ms - s.probe_started_ms < kProbeTimeoutMs) {
    if (ready_at_ms) *ready_at_ms = s.probe_started_ms + kProbeTimeoutMs;
    return Gate::probing_elsewhere;
  }
  if (claim_probe) s.probe_started_ms = now_ms;
  return Gate::open;
}

int64_t HealthBook::ready_at(const std::string& credential_id, const std::string& model_id) const {
  auto it = states_.find(key(credential_id, model_id));
  return it == states_.end() ? 0 : it->second.until_ms;
}

void HealthBook::failure(const std::string& credential_id, const std::string& model_id, const UpstreamError& error,
                         int64_t now_ms, double jitter, std::vector<Statement>& writes) {
  State& s = states_[key(credential_id, model_id)];
  s.failures += 1;
  s.probe_started_ms = 0;
  int64_t wait = backoff_ms(error, s.failures, jitter);
  if (wait <= 0) return;  // counted, but not cooling yet
  s.until_ms = now_ms + wait;
  s.reason = error_class_name(error.error_class);
  Statement st;
  st.sql =
      "INSERT INTO cooldowns (credential_id, model_id, until_ms, failures, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (credential_id, model_id) DO UPDATE SET until_ms = excluded.until_ms, failures = excluded.failures, "
      "reason = excluded.reason, updated_at = excluded.updated_at";
  st.params = Json::array({credential_id, model_id, s.until_ms, s.failures, s.reason, now_ms});
  writes.push_back(std::move(st));
}

void HealthBook::success(const std::string& credential_id, const std::string& model_id, std::vector<Statement>& writes) {
  auto it = states_.find(key(credential_id, model_id));
  if (it == states_.end()) return;
  bool persisted = it->second.until_ms != 0;
  states_.erase(it);
  if (!persisted) return;
  Statement st;
  st.sql = "DELETE FROM cooldowns WHERE credential_id = ? AND model_id = ?";
  st.params = Json::array({credential_id, model_id});
  writes.push_back(std::move(st));
}

void HealthBook::load(const Json& rows) {
  std::map<std::string, State> fresh;
  if (rows.is_array()) {
    for (const auto& r : rows) {
      State s;
      s.until_ms = int_field(r, "until_ms");
      s.failures = static_cast<int>(int_field(r, "failures", 1));
      s.reason = str_field(r, "reason");
      fresh[key(str_field(r, "credential_id"), str_field(r, "model_id"))] = s;
    }
  }
  // Keep what this isolate learned that is not persisted (failure counts below the cooldown threshold, probes).
  for (auto& [k, s] : states_) {
    auto it = fresh.find(k);
    if (it == fresh.end()) {
      if (s.until_ms == 0) fresh[k] = s;
    } else {
      it->second.probe_started_ms = s.probe_started_ms;
    }
  }
  states_.swap(fresh);
}

}  // namespace keyaos::routing
