#include "routing/failover.h"

namespace keyaos::routing {

int FailoverPolicy::rank(const UpstreamError& e) {
  switch (e.error_class) {
    case ErrorClass::rate_limited: return 1;
    case ErrorClass::quota_exhausted: return 2;
    case ErrorClass::network: return 3;
    case ErrorClass::timeout: return 4;
    case ErrorClass::stream: return 5;
    case ErrorClass::server: return 6;
    case ErrorClass::forbidden: return 7;
    case ErrorClass::payment: return 8;
    case ErrorClass::auth: return 9;
    case ErrorClass::unaffordable: return 10;  // the client can act on it: fewer max_tokens
    default: return 11;                        // the client's own error
  }
}

void FailoverPolicy::tally(const UpstreamError& e) {
  if (!have_error_ || rank(e) >= rank(reported_)) {
    // Among rate limits, the soonest retry is the one worth reporting.
    const bool later_rate_limit = have_error_ && e.error_class == ErrorClass::rate_limited &&
                                  reported_.error_class == ErrorClass::rate_limited && reported_.retry_after_ms >= 0 &&
                                  (e.retry_after_ms < 0 || e.retry_after_ms > reported_.retry_after_ms);
    if (!later_rate_limit) reported_ = e;
    have_error_ = true;
  }
  if (e.error_class == ErrorClass::rate_limited) any_rate_limited_ = true;
  else if (error_class_fails_over(e.error_class)) all_rate_limited_ = false;
}

FailoverDecision FailoverPolicy::on_failure(const UpstreamError& e, AttemptPhase phase, bool can_refresh, bool can_relax) {
  FailoverDecision d;
  // The upstream refused only what the gateway added on the client's behalf:
  // the request without it is still the client's request. Not tallied: the
  // retry answers that refusal, so it is never the error the client sees.
  if (phase == AttemptPhase::before_answer && can_relax && !relaxed_ && e.error_class == ErrorClass::bad_request) {
    relaxed_ = true;
    d.next = FailoverDecision::Next::relax_retry;
    d.health = HealthChange::pair_works;
    return d;
  }
  tally(e);
  // A rejected access token may just be stale: refresh it and try the same
  // credential once more before declaring it dead.
  if (phase == AttemptPhase::before_answer && can_refresh && may_refresh(e)) {
    refreshed_ = true;
    d.next = FailoverDecision::Next::refresh_retry;
    d.health = HealthChange::none;
    return d;
  }
  switch (health_effect(e.error_class)) {
    case HealthEffect::dead: d.health = HealthChange::dead; break;
    case HealthEffect::cooldown:
      d.health = e.error_class == ErrorClass::payment ? HealthChange::cool_credential : HealthChange::cool_pair;
      break;
    case HealthEffect::none:
      d.health = e.error_class == ErrorClass::none ? HealthChange::none : HealthChange::pair_works;
      break;
  }
  if (phase == AttemptPhase::answering || !error_class_fails_over(e.error_class)) {
    // The client's own problem (another upstream would say the same), or an
    // answer already under way that a second run would pay for twice: this
    // error is the one the client gets.
    reported_ = e;
    d.next = FailoverDecision::Next::answer;
    return d;
  }
  if (e.error_class == ErrorClass::server && e.http_status == 500 && !retried_same_) {
    retried_same_ = true;  // one retry of the same credential on a first 500
    d.next = FailoverDecision::Next::retry_same;
    return d;
  }
  d.next = FailoverDecision::Next::try_next;
  return d;
}

FailureAnswer FailoverPolicy::answer() const {
  FailureAnswer a;
  a.error = reported_;
  const UpstreamError& e = reported_;
  a.status = e.http_status >= 400 ? e.http_status : 502;
  if (!error_class_fails_over(e.error_class)) return a;  // the client's error, with its own status
  if (all_rate_limited_ && any_rate_limited_) {
    a.status = 429;
    a.retry_after_s = e.retry_after_ms >= 0 ? (e.retry_after_ms + 999) / 1000 : 30;
  } else if (e.error_class == ErrorClass::unaffordable) {
    a.status = 402;  // no key's balance covers this max_tokens; a smaller request may pass
  } else if (e.error_class == ErrorClass::auth || e.error_class == ErrorClass::payment) {
    a.status = 502;  // our upstream credentials failed, not the client's
  } else if (a.status < 500) {
    a.status = 502;
  }
  return a;
}

}  // namespace keyaos::routing
