#include "api/usage.h"

#include <cstdlib>

#include "billing/cost.h"

namespace keyaos::api {
namespace {

// Sums in SQL stay in integer nano-USD; they become dollars only here.
const char* kSums =
    "COUNT(*) AS requests, SUM(status = 'error') AS errors, SUM(input_tokens) AS input_tokens, "
    "SUM(output_tokens) AS output_tokens, SUM(base_cost_nusd) AS base, SUM(effective_cost_nusd) AS effective, "
    "SUM(list_cost_nusd) AS list";

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
    auto grouped = [&](const std::string& key) {
      Statement s;
      s.sql = "SELECT " + key + " AS k, " + kSums + " FROM request_logs WHERE owner_id = ? AND created_at >= ?" +
              (key == "''" ? "" : " GROUP BY k ORDER BY k");
      s.params = Json::array({caller_.owner_id, since});
      return s;
    };
    std::vector<Statement> batch = {grouped("''"), grouped("strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')"),
                                    grouped("model_id"), grouped("COALESCE(provider_id, '')")};
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
