#pragma once
#include <functional>
#include <string>
#include <vector>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"
#include "protocols/openai/chat_request.h"
#include "routing/failover.h"
#include "routing/ranking.h"

namespace keyaos::api {

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
  Action load_routing_table(const std::string& owner_id, const std::string& requested, int64_t now_ms,
                            std::function<Action()> ready);

  // The ranked candidates for a requested model, from the loaded table.
  struct Route {
    routing::ModelMatch match;
    // The model exists, but only as the other kind (an embedding model asked
    // for a chat, or the reverse): `match` is then empty.
    bool wrong_kind = false;
    std::vector<routing::Offering> offerings;  // of the resolved model
    billing::Prices reference;                 // OpenRouter's price, for list costs
    routing::Ranking ranking;                  // points into `offerings` and the owner's credentials
  };
  // Route is not movable once ranked (it holds pointers into itself): fill in place.
  // `explain_only` ranks without claiming half-open probes.
  // `embedding` picks embedding offerings (for /v1/embeddings), else chat ones.
  void route(const std::string& owner_id, const std::string& requested, const openai::ChatRequest& request,
             int64_t now_ms, Route& out, bool explain_only = false, bool embedding = false);

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
  // Makes sure the shipped catalogue snapshot is in D1, then continues.
  Action ensure_catalog_seeded(std::function<Action()> ready);
  int64_t now_ms_;

  // Ciphertexts sealed before rows were bound (no "v2:" prefix) are sealed
  // again with their row's additional data, a few per load, then `ready`.
  Action reseal_legacy(const std::string& owner_id, std::function<Action()> ready);
};

}  // namespace keyaos::api
