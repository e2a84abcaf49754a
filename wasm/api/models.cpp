#include "api/models.h"

#include <algorithm>
#include <map>

#include "api/routing_table.h"
#include "store/catalog_store.h"
#include "store/credentials_store.h"
#include "store/wallet_store.h"

namespace keyaos::api {
namespace {

class ModelsTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    include_all_ = query_param(req_.query, "all") == "1" || query_param(req_.query, "all") == "true";
    type_ = query_param(req_.query, "type");
    if (!type_.empty() && type_ != "chat" && type_ != "embedding")
      return error_response(ApiError::bad_request("'type' must be chat or embedding.", "invalid_value", "type"));
    return query();
  }

 private:
  // A model is routable when a credential the caller may use serves it: the
  // caller's own, and in Platform mode, with a positive balance, the shared
  // pool's (built-in providers only, as routing has it).
  Action query() {
    const bool platform = gw_.config().platform.enabled;
    std::vector<Statement> batch = {store::catalog::active_models(caller_.owner_id), store::credentials::usable_multipliers(caller_.owner_id)};
    if (platform) {
      batch.push_back(store::wallet::balance(caller_.owner_id));
      batch.push_back(store::credentials::pool_multipliers());
    }
    return run_sql(std::move(batch), [this, platform](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the catalogue: " + r.error));
      std::map<std::string, double> multiplier;
      for (const auto& row : r.at(1)) multiplier[str_field(row, "provider_id")] = num_field(row, "multiplier", 1.0);
      const bool pool = platform && !r.at(2).empty() && int_field(r.at(2)[0], "balance_nusd") > 0;
      if (pool)
        for (const auto& row : r.at(3)) {
          const std::string provider = str_field(row, "provider_id");
          if (!gw_.builtin_provider(provider)) continue;
          const double m = num_field(row, "multiplier", 1.0);
          auto [it, added] = multiplier.emplace(provider, m);
          if (!added) it->second = std::min(it->second, m);
        }
      struct Best {
        Json entry;
        double price = -1;
        Json providers = Json::array();
        bool routable = false;
      };
      std::map<std::string, Best> models;
      for (const auto& row : r.at(0)) {
        std::string id = str_field(row, "model_id");
        std::string provider = str_field(row, "provider_id");
        const std::string type = str_field(row, "model_type", "chat");
        if (!type_.empty() && type != type_) continue;
        Json in = row.value("input_price", Json(nullptr)), out = row.value("output_price", Json(nullptr));
        Best& b = models[id];
        if (b.entry.is_null()) {
          auto slash = id.find('/');
          b.entry = {{"id", id},
                     {"object", "model"},
                     {"created", int_field(row, "created_at") / 1000},
                     {"owned_by", slash == std::string::npos ? std::string("keyaos") : id.substr(0, slash)},
                     {"name", str_field(row, "name", id)},
                     {"type", type},
                     {"context_length", row.value("context_length", Json(nullptr))}};
        }
        auto m = multiplier.find(provider);
        bool routable = m != multiplier.end() && in.is_number() && out.is_number();
        if (routable) {
          b.providers.push_back(provider);
          b.routable = true;
        }
        if (!in.is_number() || !out.is_number()) continue;
        double mult = routable ? m->second : 1.0;
        double combined = (in.get<double>() + out.get<double>()) * mult;
        // A routable offering beats any unroutable one; then the lower price wins.
        bool had_routable = b.price >= 0 && b.entry["pricing"].value("routable", false);
        bool better = b.price < 0 || (routable && !had_routable) || (routable == had_routable && combined < b.price);
        if (better) {
          b.price = combined;
          b.entry["pricing"] = {{"input_per_m", in.get<double>() * mult},
                                {"output_per_m", out.get<double>() * mult},
                                {"provider", provider},
                                {"routable", routable}};
        }
      }
      Json data = Json::array();
      for (auto& [id, b] : models) {
        if ((!b.routable && !include_all_) || !caller_.may_use(id)) continue;
        b.entry["providers"] = b.providers;
        if (b.entry.contains("pricing")) b.entry["pricing"].erase("routable");
        data.push_back(std::move(b.entry));
      }
      return json_response(200, {{"object", "list"}, {"data", data}});
    });
  }

  bool include_all_ = false;
  std::string type_;  // ?type=chat|embedding, empty for both
};

}  // namespace

std::unique_ptr<Task> make_models_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<ModelsTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
