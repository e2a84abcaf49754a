#pragma once
#include <functional>
#include <string>
#include <vector>

#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"
#include "protocols/openai/chat_request.h"
#include "routing/ranking.h"

namespace keyaos::api {

// A task that routes: it loads what routing needs (the catalogue seed, the
// owner's credentials and cooldowns, the model's offerings) and skips D1
// entirely when the isolate's cache is fresh.
class RoutingTask : public Task {
 protected:
  explicit RoutingTask(Gateway& gw) : gw_(gw) {}

  // An error answer before any response byte; a task whose client speaks
  // another API than OpenAI's shapes it for that API.
  virtual Action reject(const ApiError& error, Json headers = Json::object()) { return error_response(error, std::move(headers)); }

  // Makes sure the shipped catalogue snapshot is in D1, then continues.
  Action ensure_catalog(int64_t now_ms, std::function<Action()> ready);
  // Loads (or reuses) the routing table for `requested`, then continues.
  Action load_routing_table(const std::string& owner_id, const std::string& requested, int64_t now_ms,
                            std::function<Action()> ready);

  // The ranked candidates for a requested model, from the loaded table.
  struct Route {
    routing::ModelMatch match;
    std::vector<routing::Offering> offerings;  // of the resolved model
    billing::Prices reference;                 // OpenRouter's price, for list costs
    routing::Ranking ranking;                  // points into `offerings` and the owner's credentials
  };
  // Route is not movable once ranked (it holds pointers into itself): fill in place.
  // `explain_only` ranks without claiming half-open probes.
  void route(const std::string& owner_id, const std::string& requested, const openai::ChatRequest& request,
             int64_t now_ms, Route& out, bool explain_only = false);

  Gateway& gw_;

 private:
  // Ciphertexts sealed before rows were bound (no "v2:" prefix) are sealed
  // again with their row's additional data, a few per load, then `ready`.
  Action reseal_legacy(const std::string& owner_id, std::function<Action()> ready);
};

}  // namespace keyaos::api
