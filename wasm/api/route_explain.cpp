#include "api/route_explain.h"

#include <cstdlib>

#include "api/routing_table.h"

namespace keyaos::api {
namespace {

Json price(const std::optional<double>& p) { return p ? Json(*p) : Json(nullptr); }

class RouteExplainTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    request_.model = query_param(req_.query, "model");
    if (request_.model.empty())
      return error_response(ApiError::bad_request("Give the model to explain: /api/route?model=<id>.", "missing_required_parameter", "model"));
    if (int64_t max_tokens = std::atoll(query_param(req_.query, "max_tokens").c_str()); max_tokens > 0) request_.max_output_tokens = max_tokens;
    // The ranking estimates prompt tokens as bytes / 4.
    if (int64_t prompt = std::atoll(query_param(req_.query, "prompt_tokens").c_str()); prompt > 0) request_.prompt_bytes = prompt * 4;
    std::string provider = query_param(req_.query, "provider");
    if (!provider.empty()) request_.providers.only.push_back(provider);
    return load_routing_table(caller_.owner_id, request_.model, req_.now_ms, [this] { return explain(); });
  }

 private:
  Action explain() {
    route(caller_.owner_id, request_.model, request_, req_.now_ms, route_, /*explain_only=*/true);
    if (route_.match.model_id.empty()) {
      if (!route_.match.ambiguous.empty()) {
        Json candidates = Json::array();
        for (const auto& m : route_.match.ambiguous) candidates.push_back(m);
        return json_response(400, {{"error",
                                    {{"message", "Model '" + request_.model + "' is ambiguous."},
                                     {"type", "invalid_request_error"},
                                     {"param", "model"},
                                     {"code", "ambiguous_model"},
                                     {"candidates", candidates}}}});
      }
      return error_response({404, "The model '" + request_.model + "' does not exist in the catalogue.", "invalid_request_error",
                             "model_not_found", "model"});
    }
    auto candidate_json = [&](const routing::Candidate& c, int rank) {
      return Json{{"rank", rank},
                  {"provider_id", c.offering->provider_id},
                  {"upstream_model_id", c.offering->upstream_model_id},
                  {"credential_id", c.credential->id},
                  {"credential_hint", c.credential->hint},
                  {"input_price_per_m", price(c.offering->prices.input)},
                  {"output_price_per_m", price(c.offering->prices.output)},
                  {"cache_read_price_per_m", price(c.offering->prices.cache_read)},
                  {"price_multiplier", c.credential->multiplier},
                  {"expected_cost_usd", c.expected_cost_usd},
                  {"cooling_until_ms", c.ready_at_ms > 0 ? Json(c.ready_at_ms) : Json(nullptr)}};
    };
    Json candidates = Json::array();
    int rank = 1;
    for (const auto& c : route_.ranking.candidates) candidates.push_back(candidate_json(c, rank++));
    Json cooling = Json::array();
    for (const auto& c : route_.ranking.cooling) cooling.push_back(candidate_json(c, 0));
    Json skipped = Json::array();
    for (const auto& s : route_.ranking.skipped)
      skipped.push_back({{"provider_id", s.provider_id},
                         {"credential_id", s.credential_id.empty() ? Json(nullptr) : Json(s.credential_id)},
                         {"reason", s.detail.empty() ? s.reason : s.reason + ": " + s.detail}});
    return json_response(200, {{"model_id", route_.match.model_id},
                               {"allowed", caller_.may_use(route_.match.model_id)},
                               {"estimate",
                                {{"prompt_tokens", billing::estimate_tokens_from_bytes(request_.prompt_bytes)},
                                 {"output_tokens", request_.max_output_tokens.value_or(routing::kDefaultExpectedOutputTokens)}}},
                               {"candidates", candidates},
                               {"cooling", cooling},
                               {"skipped", skipped}});
  }

  openai::ChatRequest request_;
  Route route_;
};

}  // namespace

std::unique_ptr<Task> make_route_explain_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<RouteExplainTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
