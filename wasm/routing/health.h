#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/io.h"
#include "protocols/common/upstream_error.h"

namespace keyaos::routing {

// Per credential x model cooldowns, with a half-open probe: once a cooldown
// ends, exactly one request may try the pair before traffic returns to it.
// Each change is returned as SQL for the request's own write batch, so it is
// persisted once, off the hot path.
class HealthBook {
 public:
  enum class Gate { open, cooling, probing_elsewhere };
  struct State {
    int64_t until_ms = 0;
    int failures = 0;
    std::string reason;
    int64_t probe_started_ms = 0;  // a probe is in flight since
  };

  // Whether a request may use the pair now. With `claim_probe`, takes the
  // probe when the cooldown has just ended, so concurrent requests do not all
  // probe; without it (explaining a route) nothing changes.
  Gate admit(const std::string& credential_id, const std::string& model_id, int64_t now_ms, int64_t* ready_at_ms,
             bool claim_probe = true);
  // When the pair becomes usable again (0 = now).
  int64_t ready_at(const std::string& credential_id, const std::string& model_id) const;

  // Records an attempt's outcome. `jitter` in [0,1) spreads retries of many isolates.
  void failure(const std::string& credential_id, const std::string& model_id, const UpstreamError& error,
               int64_t now_ms, double jitter, std::vector<Statement>& writes);
  void success(const std::string& credential_id, const std::string& model_id, std::vector<Statement>& writes);

  // Replaces the book with persisted cooldown rows (credential_id, model_id, until_ms, failures, reason).
  void load(const Json& rows);
  const std::map<std::string, State>& states() const { return states_; }

  static int64_t backoff_ms(const UpstreamError& error, int failures, double jitter);

 private:
  static std::string key(const std::string& credential_id, const std::string& model_id) {
    return credential_id + '\n' + model_id;
  }
  std::map<std::string, State> states_;
};

}  // namespace keyaos::routing
