#include "api/catalog.h"

#include "api/routing_table.h"
#include "core/text.h"
#include "store/catalog_store.h"

namespace keyaos::api {
namespace {

Json modalities(const Json& row, const char* key) {
  Json list = parse_json(str_field(row, key));
  return list.is_array() ? list : Json::array();
}

Json offering_json(const Json& row) {
  auto price = [&](const char* key) {
    const Json* v = field(row, key);
    return v && v->is_number() ? *v : Json(nullptr);
  };
  return {{"provider_id", str_field(row, "provider_id")},
          {"model_id", str_field(row, "model_id")},
          {"upstream_model_id", str_field(row, "upstream_model_id")},
          {"name", str_field(row, "name")},
          {"input_price_per_m", price("input_price")},
          {"output_price_per_m", price("output_price")},
          {"cache_read_price_per_m", price("cache_read_price")},
          {"cache_write_price_per_m", price("cache_write_price")},
          {"context_length", price("context_length")},
          {"input_modalities", modalities(row, "input_modalities")},
          {"output_modalities", modalities(row, "output_modalities")},
          {"type", str_field(row, "model_type", "chat")},
          {"is_active", int_field(row, "is_active", 1) != 0},
          {"source", str_field(row, "source")},
          {"refreshed_at", int_field(row, "refreshed_at")}};
}

class CatalogTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    return query();
  }

 private:
  Action query() {
    Statement s = store::catalog::browse(caller_.owner_id, ascii_lower(query_param(req_.query, "provider")), ascii_lower(query_param(req_.query, "model")));
    return run_sql({s}, [](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the catalogue: " + r.error));
      Json data = Json::array();
      for (const auto& row : r.at(0)) data.push_back(offering_json(row));
      return json_response(200, {{"object", "list"}, {"data", data}});
    });
  }
};

}  // namespace

std::unique_ptr<Task> make_catalog_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<CatalogTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
