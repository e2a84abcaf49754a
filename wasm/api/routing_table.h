#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"
#include "protocols/openai/chat_request.h"
#include "billing/ledger.h"
#include "routing/failover.h"
#include "routing/ranking.h"

namespace keyaos::api {

// One upstream a request will try, copied out of the ranking.
struct PlannedAttempt {
  routing::Offering offering;
  routing::Credential credential;
  double expected_cost_usd = 0;
  bool probe = false;  // holds the pair's half-open probe
};

// The models a request may be served by, in order: the requested one, then
// its `models` fallbacks, each once (ids compare case-insensitively).
std::vector<std::string> models_to_try(const std::string& model, const std::vector<std::string>& fallbacks);

// A cooldown jitter in [0,1) from the request's random nonce and the attempt number.
double attempt_jitter(std::string_view nonce, size_t attempt);

// A task that routes: it loads what routing needs (the catalogue seed, the
// owner's credentials and cooldowns, the model's offerings) and skips D1
// entirely when the isolate's cache is fresh.
class RoutingTask : public Task {
 protected:
  // `now_ms`: the request's (or the cron run's) time, which a catalogue seed is written with.
  RoutingTask(Gateway& gw, int64_t now_ms) : gw_(gw), now_ms_(now_ms) {}

  // An error answer before any response byte; a task whose client speaks
  // another API than OpenAI's shapes it for that API.
  virtual Action reject(const ApiError& error, Json headers = Json::object()) { return error_response(error, std::move(headers)); }

  // Runs a batch like Task::run_sql. The one place the catalogue is seeded:
  // the isolate's first batch that reads catalogue rows waits until the
  // shipped snapshot is in D1 (once per definitions version).
  Action run_sql(std::vector<Statement> statements, std::function<Action(const SqlResult&)> k);
  // Loads (or reuses) the routing table for `requested`, then continues.
  // `with_pool` (Platform mode) also loads the shared pool.
  Action load_routing_table(const std::string& owner_id, const std::string& requested, int64_t now_ms,
                            std::function<Action()> ready, bool with_pool = false);

  // Whose credentials a request may use: the caller's own (Core mode, or a
  // Platform wallet that is empty), or the shared pool of every owner's
  // (Platform mode with a positive balance; the caller's own stay in it, free).
  enum class CredentialScope { own, pool };

  // The ranked candidates for a requested model, from the loaded table.
  struct Route {
    routing::ModelMatch match;
    // The model exists, but only as the other kind (an embedding model asked
    // for a chat, or the reverse): `match` is then empty.
    bool wrong_kind = false;
    std::vector<routing::Offering> offerings;  // of the resolved model
    billing::Prices reference;                 // OpenRouter's price, for list costs
    routing::Ranking ranking;                  // points into `offerings` and the gateway's credential caches
  };
  // Route is not movable once ranked (it holds pointers into itself): fill in place.
  // `explain_only` ranks without claiming half-open probes.
  // `embedding` picks embedding offerings (for /v1/embeddings), else chat ones.
  // In the pool, another owner's credential is ranked only when its quota
  // covers the request's expected cost, and the skip list does not name it.
  void route(const std::string& owner_id, const std::string& requested, const openai::ChatRequest& request,
             int64_t now_ms, Route& out, bool explain_only = false, bool embedding = false,
             CredentialScope scope = CredentialScope::own);

  // Why `requested` routes to no model this caller may use (unknown,
  // ambiguous, the other kind, not allowed for the key), as the error that
  // moves on to the next fallback model; nullopt when route.match names one.
  static std::optional<ApiError> unroutable(const std::string& requested, const Route& route, const Caller& caller,
                                            bool embedding);
  // The attempts to make from a ranking, best first, keeping the candidates
  // `serves` accepts (all when it is empty; a dropped candidate's probe is
  // released). With every candidate cooling down, the one that recovers
  // soonest is tried rather than none.
  std::vector<PlannedAttempt> plan_attempts(const routing::Ranking& ranking,
                                            const std::function<bool(const routing::Candidate&)>& serves = nullptr);
  // Gives back the half-open probes of the attempts from `from` on, which will not be made.
  void release_probes(std::vector<PlannedAttempt>& plan, size_t from);
  // What the dearest attempt of a plan is expected to cost.
  static double max_expected_cost(const std::vector<PlannedAttempt>& plan);

  // Platform mode: a request that may be served by another owner's
  // credential reserves its expected cost on the caller's wallet, and is let
  // into the pool only while the balance minus what the caller's requests in
  // flight reserved is positive. So the wallet goes negative by at most one
  // request's cost. `next(false)`: the wallet is empty, use own credentials.
  Action reserve_wallet(const std::string& owner_id, const std::string& request_id, double expected_usd, int64_t now_ms,
                        std::function<Action(bool reserved)> next);
  // Why a request has no attempt to make: 402 insufficient_credits for a
  // Platform caller with no credits and no usable credential of their own,
  // else 503 naming why each candidate was skipped.
  ApiError nothing_to_try(const std::string& model_id, const routing::Ranking& ranking) const;

  // ---- Platform admission, once per request --------------------------------
  // The scope to rank in: the pool while Platform mode is on and the wallet
  // has not been found empty.
  CredentialScope scope() const {
    return gw_.config().platform.enabled && !wallet_refused_ ? CredentialScope::pool : CredentialScope::own;
  }
  // Called with a ranked plan: when another owner's credential is in it, the
  // wallet reserves what the dearest such attempt is expected to charge
  // (its cost plus the service fee) first; then
  // `go`, or (an empty wallet) `replan` in the own scope.
  Action admit(const std::string& owner_id, const std::string& request_id, const std::vector<PlannedAttempt>& plan,
               int64_t now_ms, std::function<Action()> go, std::function<Action()> replan);
  // What a finished request records of the pool: the credential's owner when
  // it is not the caller, the settlement of a billed request, the reservation.
  void settle_record(billing::RequestRecord& record, const routing::Credential& served_by) const;

  // ---- What a routed request records (chat and embeddings alike) -----------
  // The attempt in progress: what it asks and when.
  struct AttemptInFlight {
    PlannedAttempt target;
    int64_t started_ms = 0;
    int64_t first_byte_ms = -1;  // after started_ms; -1 before the upstream's first byte
  };
  // Its ledger row once it ends. Another owner's upstream may name its
  // account, so its message is kept only as clients are shown it.
  static billing::AttemptRecord attempt_record(const AttemptInFlight& at, const Caller& caller, bool ok, int upstream_status,
                                               const UpstreamError& e, int64_t now_ms);
  // The fields every request record has before its outcome: who asked, the
  // attempt that answered (once one was made), timings from `created_ms`.
  billing::RequestRecord request_record(const std::string& request_id, const Caller& caller, std::string model_id,
                                        const AttemptInFlight& at, bool attempted, int64_t created_ms, int64_t now_ms) const;
  // A served request: its cost and settlement, the isolate's spend caches,
  // then its ledger statements appended to `writes`.
  void record_served(billing::RequestRecord& record, const AttemptInFlight& at, const Usage& usage,
                     const billing::Prices& reference, const Caller& caller,
                     const std::vector<billing::AttemptRecord>& attempts, std::vector<Statement>& writes);
  // A request that failed for good: the client's error (the policy's chosen
  // upstream error as clients see it, naming the attempts made), and the
  // record's outcome with its ledger statements appended to `writes`.
  static ApiError failure_error(const routing::FailureAnswer& answer, const std::vector<billing::AttemptRecord>& attempts);
  static void record_failed(billing::RequestRecord& record, const routing::FailureAnswer& answer,
                            const std::vector<billing::AttemptRecord>& attempts, std::vector<Statement>& writes);

  // A key with a quota reserves a request's expected cost (that of the
  // dearest candidate it may fail over to) in one atomic statement before any
  // upstream is asked, so concurrent requests cannot together spend past the
  // quota: a request is let in only if the key's spend, the reservations of
  // its requests in flight and this estimate fit. The ledger batch replaces
  // the reservation by the real cost. Answers 429 when it does not fit.
  Action reserve_quota(const Caller& caller, const std::string& request_id, double expected_usd, int64_t now_ms,
                       std::function<Action()> next);

  // Carries out a failover decision's health change for the attempt's
  // credential x model (routing/failover.h decides which).
  void apply_health_change(const std::string& owner_id, const std::string& credential_id, const std::string& model_id,
                           routing::HealthChange change, const UpstreamError& e, int64_t now_ms, double jitter,
                           std::vector<Statement>& writes);

  Gateway& gw_;

 private:
  // Drops pool candidates of other owners whose quota is below their expected cost.
  void keep_affordable_foreign(const std::string& owner_id, routing::Ranking& ranking);
  // Makes sure the shipped catalogue snapshot is in D1, then continues.
  Action ensure_catalog_seeded(std::function<Action()> ready);
  int64_t now_ms_;
  bool wallet_checked_ = false;   // admit() has run its reservation
  bool wallet_reserved_ = false;  // the wallet holds this request's reservation
  bool wallet_refused_ = false;   // the wallet is empty: own credentials only

  // Ciphertexts sealed before rows were bound (no "v2:" prefix) are sealed
  // again with their row's additional data, a few per load, then `ready`.
  Action reseal_legacy(const std::string& owner_id, std::function<Action()> ready);
};

// A routing task that answers one HTTP request: the request and the caller
// it was authenticated as.
class RoutedRequestTask : public RoutingTask {
 public:
  RoutedRequestTask(Gateway& gw, HttpRequest req, Caller caller) : RoutingTask(gw, req.now_ms), req_(std::move(req)), caller_(std::move(caller)) {}

 protected:
  HttpRequest req_;
  Caller caller_;
};

}  // namespace keyaos::api
