#pragma once
#include <cstdint>
#include <string>

#include "protocols/common/upstream_error.h"

namespace keyaos::routing {

// Where a request stood when an attempt failed.
enum class AttemptPhase {
  before_answer,  // nothing of the answer has arrived: another candidate may still serve it
  answering,      // the upstream had started sending the body: it did the work, so no second run
};

// What the failed attempt does to its credential.
enum class HealthChange {
  none,                // nothing to record (the attempt is retried after a token refresh)
  pair_works,          // the upstream answered about this request only: the pair is healthy
  cool_pair,           // credential x model rests
  cool_credential,     // an empty balance: the whole credential rests until a quota refresh
  dead,                // the key is invalid: out of rotation until it validates again
};

struct FailoverDecision {
  enum class Next {
    try_next,       // the next candidate in cost order
    retry_same,     // the same candidate once more (a first 500)
    refresh_retry,  // the same credential after dropping its access token
    relax_retry,    // the same candidate without the optional members it refused
    answer,         // stop: the client gets the reported error
  };
  Next next = Next::try_next;
  HealthChange health = HealthChange::none;
};

// The error a client gets when no attempt succeeded.
struct FailureAnswer {
  int status = 502;
  int64_t retry_after_s = -1;  // a Retry-After header when >= 0
  UpstreamError error;         // the most informative upstream error (unredacted: the caller applies client_view)
};

// The failover policy of one request, as pure decisions: given each failed
// attempt's error class and the request's phase and history, what happens
// next, what the credential's health becomes, and which error the client
// finally sees. No I/O, no clock: the chat task carries the decisions out.
class FailoverPolicy {
 public:
  // Whether an auth failure may still be retried with a refreshed token.
  bool may_refresh(const UpstreamError& error) const { return error.error_class == ErrorClass::auth && !refreshed_; }
  // `can_refresh`: the credential had an access token that was dropped, so
  // the same credential may be tried again with a fresh one. `can_relax`:
  // the error refuses a member the gateway added as a best-effort
  // translation (see OptionalChatMember), so the same candidate may be tried
  // once more without it.
  FailoverDecision on_failure(const UpstreamError& error, AttemptPhase phase, bool can_refresh, bool can_relax = false);
  // An attempt that could not start (no adapter for the protocol): counted
  // for the reported error, no health change, next candidate.
  void note(const UpstreamError& error) { tally(error); }

  bool failed() const { return have_error_; }
  const UpstreamError& reported() const { return reported_; }
  // The client's answer once every candidate has failed (or the error was the client's).
  FailureAnswer answer() const;

  // How much an error tells the client; the highest is reported.
  static int rank(const UpstreamError& error);

 private:
  void tally(const UpstreamError& error);

  UpstreamError reported_;
  bool have_error_ = false;
  bool any_rate_limited_ = false;
  bool all_rate_limited_ = true;  // among errors another candidate could have avoided
  bool retried_same_ = false;
  bool refreshed_ = false;
  bool relaxed_ = false;
};

}  // namespace keyaos::routing
