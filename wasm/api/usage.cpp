#include "api/usage.h"

#include <cstdlib>

#include "billing/cost.h"
#include "store/ledger_store.h"

namespace keyaos::api {
namespace {

Json totals_json(const Json& row) {
  const int64_t effective = int_field(row, "effective"), list = int_field(row, "list");
  return {{"requests", int_field(row, "requests")},
          {"errors", int_field(row, "errors")},
          {"input_tokens", int_field(row, "input_tokens")},
          {"output_tokens", int_field(row, "output_tokens")},
          {"base_cost_usd", billing::nano_to_usd(int_field(row, "base"))},
          {"effective_cost_usd", billing::nano_to_usd(effective)},
          {"list_cost_usd", billing::nano_to_usd(list)},
          {"savings_usd", billing::nano_to_usd(list - effective)}};
}

class UsageTask : public Task {
 public:
  UsageTask(HttpRequest req, Caller caller) : req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    int64_t days = std::atoll(query_param(req_.query, "days").c_str());
    if (days <= 0 || days > 366) days = 30;
    const int64_t day_ms = 86'400'000;
    const int64_t since = (req_.now_ms / day_ms - (days - 1)) * day_ms;  // whole UTC days
    // Sums in SQL stay in integer nano-USD; they become dollars only here.
    using store::ledger::UsageGroup;
    std::vector<Statement> batch;
    for (UsageGroup g : {UsageGroup::total, UsageGroup::day, UsageGroup::model, UsageGroup::provider})
      batch.push_back(store::ledger::usage(caller_.owner_id, since, g));
    return run_sql(std::move(batch), [days, since](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read usage: " + r.error));
      auto rows = [&](size_t i, const char* name) {
        Json out = Json::array();
        for (const auto& row : r.at(i)) {
          Json entry = {{name, str_field(row, "k")}};
          entry.update(totals_json(row));
          out.push_back(entry);
        }
        return out;
      };
      Json totals = r.at(0).empty() ? totals_json(Json::object()) : totals_json(r.at(0)[0]);
      return json_response(200, {{"days", days},
                                 {"since", since},
                                 {"totals", totals},
                                 {"by_day", rows(1, "day")},
                                 {"by_model", rows(2, "model_id")},
                                 {"by_provider", rows(3, "provider_id")}});
    });
  }

 private:
  HttpRequest req_;
  Caller caller_;
};

}  // namespace

std::unique_ptr<Task> make_usage_task(Gateway&, HttpRequest request, Caller caller) {
  return std::make_unique<UsageTask>(std::move(request), std::move(caller));
}

}  // namespace keyaos::api
