#include "api/model_aliases.h"

#include "api/routing_table.h"

#include "core/limits.h"
#include "core/text.h"
#include "routing/ranking.h"
#include "store/catalog_store.h"
#include "store/settings_store.h"

namespace keyaos::api {
namespace {

bool valid_alias(const std::string& alias) {
  if (alias.empty() || alias.size() > limits::kMaxModelIdLength) return false;
  for (char c : alias)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
          c == ':' || c == '@' || c == '/'))
      return false;
  return true;
}

Json alias_json(const Json& row) {
  std::string key = str_field(row, "key");
  return {{"alias", key.substr(std::string(store::settings::kModelAliasPrefix).size())},
          {"model", str_field(row, "value")},
          {"updated_at", int_field(row, "updated_at")}};
}

class ModelAliasesTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    const std::string base = "/api/model-aliases";
    const std::string alias = req_.path.size() > base.size() ? ascii_lower(req_.path.substr(base.size() + 1)) : "";
    if (alias.empty()) {
      if (req_.method == "GET") return list();
      return error_response(ApiError::method_not_allowed("Use GET on /api/model-aliases, PUT or DELETE on /api/model-aliases/{alias}."));
    }
    if (!valid_alias(alias))
      return error_response(ApiError::bad_request("An alias is 1-256 characters of letters, digits and - _ . : @ /.", "invalid_alias", "alias"));
    // The target is checked against the catalogue, which a fresh database has only once seeded.
    if (req_.method == "PUT") return put(alias);
    if (req_.method == "DELETE") return remove(alias);
    return error_response(ApiError::method_not_allowed("Use PUT or DELETE on /api/model-aliases/{alias}."));
  }

 private:
  Action list() {
    return run_sql({load_model_aliases_statement(caller_.owner_id)}, [](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the model aliases: " + r.error));
      Json data = Json::array();
      for (const auto& row : r.at(0)) data.push_back(alias_json(row));
      return json_response(200, {{"object", "list"}, {"data", data}});
    });
  }

  Action put(const std::string& alias) {
    Json body = parse_json(req_.body);
    if (!body.is_object()) return error_response(ApiError::bad_request("The body must be a JSON object {\"model\": \"vendor/model\"}."));
    const Json* m = field(body, "model");
    if (!m || !m->is_string() || m->get<std::string>().empty() || m->get<std::string>().size() > limits::kMaxModelIdLength)
      return error_response(ApiError::bad_request("'model' must be a catalogue model id of at most 256 bytes.", "invalid_type", "model"));
    const std::string model = ascii_lower(m->get<std::string>());
    // The target must be a catalogue model (canonical or unique bare id), so a typo fails here, not on every request.
    return run_sql({store::catalog::find_model(caller_.owner_id, model), store::settings::count_other_aliases(caller_.owner_id, alias)}, [this, alias, model](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not check the model: " + r.error));
      if (r.at(0).empty())
        return error_response(ApiError::bad_request("The model '" + model + "' is not in the catalogue.", "model_not_found", "model"));
      if (r.at(0).size() > 1)
        return error_response(ApiError::bad_request("The model '" + model + "' is ambiguous; use its vendor/model id.", "ambiguous_model", "model"));
      if (!r.at(1).empty() && static_cast<size_t>(int_field(r.at(1)[0], "n")) >= limits::kMaxModelAliases)
        return error_response(ApiError::bad_request("At most " + std::to_string(limits::kMaxModelAliases) + " model aliases can be set.",
                                                    "too_many_aliases", "alias"));
      const std::string target = str_field(r.at(0)[0], "model_id");
      return run_sql({store::settings::put_alias(caller_.owner_id, alias, target, req_.now_ms)}, [this, alias, target](const SqlResult& w) {
        if (!w.ok()) return error_response(ApiError::internal("Could not save the model alias: " + w.error));
        gw_.invalidate_model_aliases(caller_.owner_id);
        return json_response(200, {{"alias", alias}, {"model", target}, {"updated_at", req_.now_ms}});
      });
    });
  }

  Action remove(const std::string& alias) {
    return run_sql({store::settings::remove_alias(caller_.owner_id, alias)}, [this, alias](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not delete the model alias: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No model alias '" + alias + "'.", "model_alias_not_found"));
      gw_.invalidate_model_aliases(caller_.owner_id);
      return json_response(200, {{"alias", alias}, {"deleted", true}});
    });
  }
};

}  // namespace

Statement load_model_aliases_statement(const std::string& owner_id) { return store::settings::model_aliases(owner_id); }

Gateway::ModelAliases model_aliases_from(const Json& rows, int64_t now_ms) {
  Gateway::ModelAliases a;
  a.loaded_at = now_ms;
  const size_t prefix = std::string(store::settings::kModelAliasPrefix).size();
  for (const auto& row : rows) {
    std::string key = str_field(row, "key");
    if (key.size() > prefix && a.by_name.size() < limits::kMaxModelAliases) a.by_name[key.substr(prefix)] = str_field(row, "value");
  }
  return a;
}

std::vector<std::string> messages_route_models(const std::string& client_model, const std::map<std::string, std::string>& aliases) {
  std::vector<std::string> out;
  auto add = [&](const std::string& m) {
    if (m.empty()) return;
    for (const auto& o : out)
      if (ascii_lower(o) == ascii_lower(m)) return;
    out.push_back(m);
  };
  const std::string lower = ascii_lower(client_model);
  auto it = aliases.find(lower);
  if (it == aliases.end()) it = aliases.find(routing::undated_model(lower));
  if (it != aliases.end()) add(it->second);
  add(client_model);
  add(routing::canonical_claude_model(client_model));
  return out;
}

std::unique_ptr<Task> make_model_aliases_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<ModelAliasesTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
