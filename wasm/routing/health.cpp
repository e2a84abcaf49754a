#include "routing/health.h"

#include <algorithm>
#include <cmath>

#include "store/health_store.h"

namespace keyaos::routing {
namespace {
constexpr int64_t kMaxRateLimitMs = 60LL * 60 * 1000;        // never park a key on a rate limit for over an hour
constexpr int64_t kMaxQuotaResetMs = 32LL * 24 * 3600 * 1000; // monthly quotas reset within a month
constexpr int64_t kProbeTimeoutMs = 2 * 60 * 1000;            // a probe that never reported frees the slot
constexpr int kServerFailuresBeforeCooldown = 2;

bool explicit_delay(const UpstreamError& e) {
  return e.retry_after_ms > 0 && (e.error_class == ErrorClass::rate_limited || e.error_class == ErrorClass::quota_exhausted);
}
}  // namespace

int64_t HealthBook::backoff_ms(const UpstreamError& e, int failures, double jitter) const {
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
    case ErrorClass::payment:
      return schedule_.payment_ms;
    case ErrorClass::server:
    case ErrorClass::timeout:
    case ErrorClass::network:
    case ErrorClass::stream:
    case ErrorClass::forbidden: {
      if (n < kServerFailuresBeforeCooldown) return 0;  // one blip is not a pattern
      double base = static_cast<double>(schedule_.cooldown_ms) * std::pow(2.0, n - kServerFailuresBeforeCooldown);
      double wait = std::min(base * (1.0 + 0.25 * jitter), static_cast<double>(schedule_.cooldown_max_ms));
      return static_cast<int64_t>(wait);
    }
    default:
      return 0;
  }
}

HealthBook::Gate HealthBook::admit(const std::string& credential_id, const std::string& model_id, int64_t now_ms,
                                   int64_t* ready_at_ms, bool claim_probe) {
  if (ready_at_ms) *ready_at_ms = 0;
  State* due[2] = {nullptr, nullptr};  // cooldowns that ended and wait for a probe
  size_t n_due = 0;
  Gate blocked = Gate::open;
  int64_t ready = 0;
  for (const std::string& k : {key(credential_id, model_id), key(credential_id, kAllModels)}) {
    auto it = states_.find(k);
    if (it == states_.end() || it->second.until_ms == 0) continue;
    State& s = it->second;
    if (now_ms < s.until_ms) {
      blocked = Gate::cooling;
      ready = std::max(ready, s.until_ms);
    } else if (s.probe_started_ms && now_ms - s.probe_started_ms < kProbeTimeoutMs) {
      if (blocked == Gate::open) blocked = Gate::probing_elsewhere;
      ready = std::max(ready, s.probe_started_ms + kProbeTimeoutMs);
    } else {
      due[n_due++] = &s;
    }
  }
  if (blocked != Gate::open) {
    if (ready_at_ms) *ready_at_ms = ready;
    return blocked;
  }
  if (n_due == 0) return Gate::open;
  if (!claim_probe) return Gate::open;
  for (size_t i = 0; i < n_due; ++i) due[i]->probe_started_ms = now_ms;
  return Gate::probe;
}

int64_t HealthBook::ready_at(const std::string& credential_id, const std::string& model_id) const {
  int64_t ready = 0;
  for (const std::string& k : {key(credential_id, model_id), key(credential_id, kAllModels)})
    if (auto it = states_.find(k); it != states_.end()) ready = std::max(ready, it->second.until_ms);
  return ready;
}

void HealthBook::release_probe(const std::string& credential_id, const std::string& model_id) {
  for (const std::string& k : {key(credential_id, model_id), key(credential_id, kAllModels)})
    if (auto it = states_.find(k); it != states_.end()) it->second.probe_started_ms = 0;
}

void HealthBook::failure(const std::string& credential_id, const std::string& model_id, const UpstreamError& error,
                         int64_t now_ms, double jitter, std::vector<Statement>& writes) {
  State& s = states_[key(credential_id, model_id)];
  if (s.until_ms > now_ms) {
    // Started before this cooldown was set: no new information, unless the upstream names a later time.
    if (!explicit_delay(error)) return;
    int64_t until = now_ms + backoff_ms(error, s.failures, jitter);
    if (until <= s.until_ms) return;
    s.until_ms = until;
  } else {
    s.failures += 1;
    s.probe_started_ms = 0;
    int64_t wait = backoff_ms(error, s.failures, jitter);
    if (wait <= 0) return;  // counted, but not cooling yet
    s.until_ms = now_ms + wait;
  }
  s.reason = error_class_name(error.error_class);
  writes.push_back(store::health::upsert(credential_id, model_id, s.until_ms, s.failures, s.reason, now_ms));
}

void HealthBook::erase(const std::string& credential_id, const std::string& model_id, std::vector<Statement>& writes) {
  auto it = states_.find(key(credential_id, model_id));
  if (it == states_.end()) return;
  bool persisted = it->second.until_ms != 0;
  states_.erase(it);
  if (!persisted) return;
  writes.push_back(store::health::clear(credential_id, model_id));
}

void HealthBook::success(const std::string& credential_id, const std::string& model_id, std::vector<Statement>& writes) {
  erase(credential_id, model_id, writes);
  erase(credential_id, kAllModels, writes);
}

void HealthBook::clear_credential(const std::string& credential_id) { states_.erase(key(credential_id, kAllModels)); }

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
