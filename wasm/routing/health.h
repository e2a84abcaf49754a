#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/io.h"
#include "protocols/common/upstream_error.h"

namespace keyaos::routing {

// A cooldown of the whole credential (an empty balance) rather than of one model.
inline constexpr const char* kAllModels = "*";

// Per credential x model cooldowns, with a half-open probe: once a cooldown
// ends, exactly one request may try the pair before traffic returns to it.
// Each change is returned as SQL for the request's own write batch, so it is
// persisted once, off the hot path.
class HealthBook {
 public:
  // How long 5xx, timeouts and broken streams park a pair: `cooldown_ms`
  // after the second failure in a row, doubling with each failed probe, never
  // over `cooldown_max_ms`. Every request sent elsewhere meanwhile may cost
  // more, so the longest wait is short; a failed probe costs one failover.
  struct Schedule {
    int64_t cooldown_ms = 5000;
    int64_t cooldown_max_ms = 30000;
    int64_t payment_ms = 60LL * 60 * 1000;  // an empty balance: until the next hourly quota refresh
  };

  // `probe`: open, and this request holds the pair's probe.
  enum class Gate { open, probe, cooling, probing_elsewhere };
  struct State {
    int64_t until_ms = 0;
    int failures = 0;
    std::string reason;
    int64_t probe_started_ms = 0;  // a probe is in flight since
  };

  void set_schedule(const Schedule& schedule) { schedule_ = schedule; }
  const Schedule& schedule() const { return schedule_; }

  // Whether a request may use the pair now (a credential-wide cooldown counts
  // too). With `claim_probe`, takes the probe when the cooldown has just
  // ended, so concurrent requests do not all probe; without it (explaining a
  // route) nothing changes.
  Gate admit(const std::string& credential_id, const std::string& model_id, int64_t now_ms, int64_t* ready_at_ms,
             bool claim_probe = true);
  // When the pair becomes usable again (0 = now).
  int64_t ready_at(const std::string& credential_id, const std::string& model_id) const;
  // Gives back a probe that was claimed but not used, so the next request may probe.
  void release_probe(const std::string& credential_id, const std::string& model_id);

  // Records an attempt's outcome. `jitter` in [0,1) spreads retries of many
  // isolates. A failure reported while the pair is already cooling comes from
  // an attempt that started before the cooldown (concurrent requests): it
  // does not lengthen the backoff, only an explicit Retry-After may.
  void failure(const std::string& credential_id, const std::string& model_id, const UpstreamError& error,
               int64_t now_ms, double jitter, std::vector<Statement>& writes);
  // The pair answered: its cooldown and the credential's balance cooldown end.
  void success(const std::string& credential_id, const std::string& model_id, std::vector<Statement>& writes);
  // A refreshed balance shows money again: the credential-wide cooldown ends.
  void clear_credential(const std::string& credential_id);

  // Replaces the book with persisted cooldown rows (credential_id, model_id, until_ms, failures, reason).
  void load(const Json& rows);
  const std::map<std::string, State>& states() const { return states_; }

  int64_t backoff_ms(const UpstreamError& error, int failures, double jitter) const;

 private:
  static std::string key(const std::string& credential_id, const std::string& model_id) {
    return credential_id + '\n' + model_id;
  }
  Gate admit_one(State& s, int64_t now_ms, int64_t* ready_at_ms, bool claim_probe);
  void erase(const std::string& credential_id, const std::string& model_id, std::vector<Statement>& writes);
  std::map<std::string, State> states_;
  Schedule schedule_;
};

}  // namespace keyaos::routing
