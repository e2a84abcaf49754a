// The failover policy by table: each row is a sequence of failed attempts of
// one request (the scenarios of tests/integration/failover.test.js and
// health.test.js), the decision after each, and the client's final answer.
#include <catch2/catch.hpp>

#include <vector>

#include "routing/failover.h"

using namespace keyaos;
using keyaos::routing::AttemptPhase;
using keyaos::routing::FailoverDecision;
using keyaos::routing::FailoverPolicy;
using keyaos::routing::HealthChange;
using Next = FailoverDecision::Next;

namespace {

UpstreamError err(ErrorClass c, int status, int64_t retry_after_ms = -1) {
  return {c, status, "upstream said no", "upstream_error", "", retry_after_ms};
}

struct Step {
  UpstreamError error;
  AttemptPhase phase = AttemptPhase::before_answer;
  bool token_dropped = false;
  Next next;
  HealthChange health;
};

struct Scenario {
  const char* name;
  std::vector<Step> steps;
  int status;               // the client's status if the request ends failed
  int64_t retry_after_s;    // -1: no Retry-After
  ErrorClass reported;
};

const AttemptPhase before = AttemptPhase::before_answer;
const AttemptPhase answering = AttemptPhase::answering;

}  // namespace

TEST_CASE("failover decisions and the client's answer, by scenario", "[routing][failover]") {
  const std::vector<Scenario> scenarios = {
      {"429 with Retry-After fails over and cools the pair",
       {{err(ErrorClass::rate_limited, 429, 20000), before, false, Next::try_next, HealthChange::cool_pair}},
       429, 20, ErrorClass::rate_limited},
      {"429 without Retry-After: a short backoff, 30 s suggested to the client",
       {{err(ErrorClass::rate_limited, 429), before, false, Next::try_next, HealthChange::cool_pair}},
       429, 30, ErrorClass::rate_limited},
      {"every candidate rate-limited: 429 with the soonest retry",
       {{err(ErrorClass::rate_limited, 429, 40000), before, false, Next::try_next, HealthChange::cool_pair},
        {err(ErrorClass::rate_limited, 429, 5500), before, false, Next::try_next, HealthChange::cool_pair},
        {err(ErrorClass::rate_limited, 429), before, false, Next::try_next, HealthChange::cool_pair}},
       429, 6, ErrorClass::rate_limited},
      {"a first 500 is retried once on the same key, then fails over",
       {{err(ErrorClass::server, 500), before, false, Next::retry_same, HealthChange::cool_pair},
        {err(ErrorClass::server, 500), before, false, Next::try_next, HealthChange::cool_pair}},
       500, -1, ErrorClass::server},
      {"a persistent 503 fails over every time",
       {{err(ErrorClass::server, 503), before, false, Next::try_next, HealthChange::cool_pair},
        {err(ErrorClass::server, 503), before, false, Next::try_next, HealthChange::cool_pair}},
       503, -1, ErrorClass::server},
      {"a connection reset before headers fails over",
       {{err(ErrorClass::network, 502), before, false, Next::try_next, HealthChange::cool_pair}},
       502, -1, ErrorClass::network},
      {"a timeout (no headers, slow first token) fails over",
       {{err(ErrorClass::timeout, 504), before, false, Next::try_next, HealthChange::cool_pair}},
       504, -1, ErrorClass::timeout},
      {"a malformed event before content fails over",
       {{err(ErrorClass::stream, 502), before, false, Next::try_next, HealthChange::cool_pair}},
       502, -1, ErrorClass::stream},
      {"a body that broke after it started is not run again",
       {{err(ErrorClass::stream, 502), answering, false, Next::answer, HealthChange::cool_pair}},
       502, -1, ErrorClass::stream},
      {"a rate limit and a server error: the server error is reported, not a 429",
       {{err(ErrorClass::rate_limited, 429, 1000), before, false, Next::try_next, HealthChange::cool_pair},
        {err(ErrorClass::server, 503), before, false, Next::try_next, HealthChange::cool_pair}},
       503, -1, ErrorClass::server},
      {"a 400 goes back to the client without failover; the pair works",
       {{err(ErrorClass::bad_request, 400), before, false, Next::answer, HealthChange::pair_works}},
       400, -1, ErrorClass::bad_request},
      {"a 400 after a failover is the client's answer, with its own status",
       {{err(ErrorClass::server, 503), before, false, Next::try_next, HealthChange::cool_pair},
        {err(ErrorClass::bad_request, 422), before, false, Next::answer, HealthChange::pair_works}},
       422, -1, ErrorClass::bad_request},
      {"a context-length error is not retried elsewhere",
       {{err(ErrorClass::context_length, 400), before, false, Next::answer, HealthChange::pair_works}},
       400, -1, ErrorClass::context_length},
      {"moderation refuses: every key would, so no failover",
       {{err(ErrorClass::content_policy, 403), before, false, Next::answer, HealthChange::pair_works}},
       403, -1, ErrorClass::content_policy},
      {"a key rejected with 401 is dead and traffic moves on; the client sees 502",
       {{err(ErrorClass::auth, 401), before, false, Next::try_next, HealthChange::dead}},
       502, -1, ErrorClass::auth},
      {"an OAuth token rejected once is refreshed and retried, then the credential is dead",
       {{err(ErrorClass::auth, 401), before, true, Next::refresh_retry, HealthChange::none},
        {err(ErrorClass::auth, 401), before, true, Next::try_next, HealthChange::dead}},
       502, -1, ErrorClass::auth},
      {"an empty balance rests the whole credential; 502 to the client",
       {{err(ErrorClass::payment, 402), before, false, Next::try_next, HealthChange::cool_credential}},
       502, -1, ErrorClass::payment},
      {"a balance too small for this max_tokens: next candidate, key unharmed, 402 at the end",
       {{err(ErrorClass::unaffordable, 402), before, false, Next::try_next, HealthChange::pair_works},
        {err(ErrorClass::server, 503), before, false, Next::try_next, HealthChange::cool_pair}},
       402, -1, ErrorClass::unaffordable},
      {"a model the key may not serve: next candidate, the pair cools",
       {{err(ErrorClass::forbidden, 403), before, false, Next::try_next, HealthChange::cool_pair}},
       502, -1, ErrorClass::forbidden},
      {"quota exhausted fails over and cools until the reset",
       {{err(ErrorClass::quota_exhausted, 429, 3600000), before, false, Next::try_next, HealthChange::cool_pair}},
       502, -1, ErrorClass::quota_exhausted},
  };
  for (const auto& sc : scenarios) {
    SECTION(sc.name) {
      FailoverPolicy policy;
      CHECK_FALSE(policy.failed());
      for (size_t i = 0; i < sc.steps.size(); ++i) {
        const Step& st = sc.steps[i];
        INFO("attempt " << i);
        const bool dropped = st.token_dropped && policy.may_refresh(st.error);
        const FailoverDecision d = policy.on_failure(st.error, st.phase, dropped);
        CHECK(d.next == st.next);
        CHECK(d.health == st.health);
      }
      REQUIRE(policy.failed());
      const routing::FailureAnswer a = policy.answer();
      CHECK(a.status == sc.status);
      CHECK(a.retry_after_s == sc.retry_after_s);
      CHECK(a.error.error_class == sc.reported);
    }
  }
}

TEST_CASE("the reported error is the most informative one, whatever the order", "[routing][failover]") {
  const std::vector<UpstreamError> errors = {err(ErrorClass::rate_limited, 429), err(ErrorClass::network, 502),
                                             err(ErrorClass::timeout, 504), err(ErrorClass::server, 503),
                                             err(ErrorClass::auth, 401)};
  for (size_t first = 0; first < errors.size(); ++first) {
    FailoverPolicy policy;
    for (size_t k = 0; k < errors.size(); ++k) policy.on_failure(errors[(first + k) % errors.size()], before, false);
    CHECK(policy.reported().error_class == ErrorClass::auth);
  }
}

TEST_CASE("an attempt that could not start counts for the answer but changes no health", "[routing][failover]") {
  FailoverPolicy policy;
  policy.note({ErrorClass::server, 501, "provider protocol is not available", "server_error", "unsupported_protocol", -1});
  REQUIRE(policy.failed());
  CHECK(policy.answer().status == 501);
  // A later rate limit is less informative: the 501 stays reported, and not every failure was a rate limit.
  policy.on_failure(err(ErrorClass::rate_limited, 429, 1000), before, false);
  CHECK(policy.answer().status == 501);
  CHECK(policy.answer().retry_after_s == -1);
}

TEST_CASE("a client error refusing an optional member the gateway added is retried once without it", "[routing][failover]") {
  const UpstreamError refused = err(ErrorClass::bad_request, 400);
  SECTION("once, before the answer, then the client's error stands") {
    FailoverPolicy policy;
    FailoverDecision d = policy.on_failure(refused, before, false, true);
    CHECK(d.next == Next::relax_retry);
    CHECK(d.health == HealthChange::pair_works);
    d = policy.on_failure(refused, before, false, true);
    CHECK(d.next == Next::answer);
    CHECK(policy.answer().status == 400);
  }
  SECTION("the refusal it answered is never the error reported") {
    FailoverPolicy policy;
    CHECK(policy.on_failure(refused, before, false, true).next == Next::relax_retry);
    CHECK_FALSE(policy.failed());
    CHECK(policy.on_failure(err(ErrorClass::server, 503), before, false, false).next == Next::try_next);
    CHECK(policy.answer().status == 503);
    CHECK(policy.reported().error_class == ErrorClass::server);
  }
  SECTION("not when the error names nothing optional, not once the answer is under way, not for other classes") {
    FailoverPolicy a;
    CHECK(a.on_failure(refused, before, false, false).next == Next::answer);
    FailoverPolicy b;
    CHECK(b.on_failure(refused, answering, false, true).next == Next::answer);
    FailoverPolicy c;
    CHECK(c.on_failure(err(ErrorClass::server, 503), before, false, true).next == Next::try_next);
    FailoverPolicy e;
    CHECK(e.on_failure(err(ErrorClass::context_length, 400), before, false, true).next == Next::answer);
  }
}
