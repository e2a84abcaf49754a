#include "api/providers.h"

#include <map>

#include "api/routing_table.h"
#include "catalog/custom_provider.h"
#include "catalog/model_list.h"
#include "catalog/sync_plan.h"
#include "platform/host_policy.h"
#include "store/catalog_store.h"
#include "store/credentials_store.h"
#include "store/providers_store.h"
#include "store/sync_state_store.h"

namespace keyaos::api {
namespace {

Json optional_text(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

Json sync_json(const std::map<std::string, catalog::SyncState>& states, const std::string& id) {
  auto it = states.find(id);
  if (it == states.end()) return nullptr;
  const catalog::SyncState& s = it->second;
  auto text = [](const std::string& v) { return v.empty() ? Json(nullptr) : Json(v); };
  return {{"at", s.at}, {"ok", s.ok}, {"models", s.models}, {"error", text(s.error)}, {"note", text(s.note)}};
}

Json provider_json(const catalog::ProviderDef& def, int64_t model_count, Json sync, bool custom) {
  const catalog::CredentialGuide& g = def.credential_guide;
  return {{"id", def.id},
          {"name", def.name},
          {"protocol", catalog::protocol_name(def.protocol)},
          {"auth_kind", catalog::auth_kind_name(def.auth.kind)},
          {"subscription", def.subscription},
          {"auto_quota", def.credits.has_value()},
          {"secret_format", def.secret_format ? catalog::secret_format_json(*def.secret_format) : Json(nullptr)},
          {"credential_guide",
           {{"text", g.text}, {"url", optional_text(g.url)}, {"placeholder", g.placeholder},
            {"file_path", optional_text(g.file_path)}, {"command", optional_text(g.command)}}},
          {"model_count", model_count},
          {"custom", custom},
          {"sync", std::move(sync)}};
}

// The custom fields on top: where it lives and what it serves.
Json custom_json(const catalog::CustomProvider& p, int64_t model_count, Json sync) {
  Json out = provider_json(catalog::custom_provider_def(p), model_count, std::move(sync), true);
  Json stored = parse_json(catalog::custom_provider_to_json(p));
  out["base_url"] = p.base_url;
  out["models_url"] = optional_text(p.models_url);
  out["models"] = stored.is_object() && stored.contains("models") ? stored["models"] : Json::array();
  return out;
}

// "models[2].id: ..." -> "models": the request field the error is about.
std::string top_field(const std::string& error) {
  size_t end = error.find_first_of(".[:");
  std::string name = error.substr(0, end);
  return name == "(document)" ? std::string() : name;
}

class ProvidersTask : public RoutedRequestTask {
 public:
  using RoutedRequestTask::RoutedRequestTask;

  Action start(const Event&) override {
    if (!caller_.admin && !caller_.session) return error_response(ApiError::forbidden("Managing providers needs the admin token.", "admin_only"));
    const std::string base = "/api/providers";
    std::string id = req_.path.size() > base.size() ? req_.path.substr(base.size() + 1) : "";
    if (id.find('/') != std::string::npos) return error_response(ApiError::not_found("No such route: " + req_.path));
    if (id.empty()) {
      if (req_.method == "GET") return show("");
      if (req_.method == "POST") return create();
      return error_response(ApiError::method_not_allowed("Use GET or POST on /api/providers."));
    }
    if (req_.method == "GET") return show(id);
    if (req_.method != "PATCH" && req_.method != "DELETE")
      return error_response(ApiError::method_not_allowed("Use GET, PATCH or DELETE on /api/providers/{id}."));
    if (gw_.builtin_provider(id))
      return error_response(ApiError::bad_request("'" + id + "' is a built-in provider; only custom providers can be changed.", "builtin_provider"));
    return req_.method == "PATCH" ? update(id) : remove(id);
  }

 private:
  // ---- reading ---------------------------------------------------------------
  Action show(const std::string& id) {
    return run_sql({store::catalog::active_counts(caller_.owner_id), store::sync_state::visible(caller_.owner_id),
                    store::providers::list(caller_.owner_id)}, [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the providers: " + r.error));
      std::map<std::string, int64_t> count;
      for (const auto& row : r.at(0)) count[str_field(row, "provider_id")] = int_field(row, "n");
      std::map<std::string, catalog::SyncState> sync;
      for (const auto& row : r.at(1)) {
        catalog::SyncState s;
        if (catalog::parse_sync_state(str_field(row, "value"), s)) sync[store::sync_state::provider_of_scope(store::sync_state::scope_of(str_field(row, "key")))] = s;
      }
      Json data = Json::array();
      for (const auto& def : gw_.providers())
        if (id.empty() || def.id == id) data.push_back(provider_json(def, count[def.id], sync_json(sync, def.id), false));
      for (const auto& row : r.at(2)) {
        catalog::CustomProvider p;
        std::string error;
        if ((id.empty() || str_field(row, "id") == id) && catalog::parse_custom_provider(str_field(row, "definition"), p, error))
          data.push_back(custom_json(p, count[p.id], sync_json(sync, p.id)));
      }
      if (id.empty()) return json_response(200, {{"object", "list"}, {"data", data}});
      if (data.empty()) return error_response(ApiError::not_found("No provider with id '" + id + "'.", "provider_not_found"));
      return json_response(200, data[0]);
    });
  }

  // ---- writing ---------------------------------------------------------------
  bool parse_body(std::string_view text, catalog::CustomProvider& out, Action& failure) {
    std::string error;
    if (!catalog::parse_custom_provider(text, out, error)) {
      failure = error_response(ApiError::bad_request("Invalid custom provider: " + error, "invalid_provider", top_field(error)));
      return false;
    }
    if (gw_.builtin_provider(out.id)) {
      failure = error_response(ApiError::bad_request("'" + out.id + "' is the id of a built-in provider; choose another id.",
                                                     "provider_id_taken", "id"));
      return false;
    }
    // Anyone may add a provider in Platform mode, and the Worker fetches its
    // URLs: they must be public hosts (platform/host_policy.h).
    const platform::Config& platform = gw_.config().platform;
    if (platform.enabled && !platform.allow_private_hosts) {
      std::vector<std::pair<const char*, std::string>> urls = {{"base_url", out.base_url}};
      if (out.models_url) urls.emplace_back("models_url", *out.models_url);
      for (const auto& [name, url] : urls)
        if (std::string why = platform::private_host_problem(url); !why.empty()) {
          failure = error_response(ApiError::bad_request(std::string("Invalid custom provider: ") + name + " " + why + ".",
                                                         "private_host", name));
          return false;
        }
    }
    return true;
  }

  // The custom provider's own models as catalogue rows (source 'custom').
  std::vector<Statement> catalog_rows(const catalog::CustomProvider& p) const {
    std::vector<catalog::CatalogEntry> rows = catalog::catalog_from_definition(catalog::custom_provider_def(p));
    return store::catalog::upsert(caller_.owner_id, rows, "custom", req_.now_ms);
  }

  Action create() {
    catalog::CustomProvider p;
    Action failure;
    if (!parse_body(req_.body, p, failure)) return failure;
    std::vector<Statement> batch = {store::providers::insert(caller_.owner_id, p.id, catalog::custom_provider_to_json(p), req_.now_ms)};
    for (auto& s : catalog_rows(p)) batch.push_back(std::move(s));
    return run_sql(std::move(batch), [this, p](const SqlResult& r) {
      if (!r.ok()) {
        if (r.error.find("UNIQUE") != std::string::npos || r.error.find("PRIMARY") != std::string::npos)
          return error_response({409, "A custom provider '" + p.id + "' already exists; PATCH it instead.", "invalid_request_error",
                                 "provider_exists", "id"});
        return error_response(ApiError::internal("Could not store the provider: " + r.error));
      }
      gw_.invalidate_offerings();
      gw_.invalidate_owner(caller_.owner_id);
      return json_response(201, custom_json(p, static_cast<int64_t>(p.models.size()), nullptr));
    });
  }

  Action update(const std::string& id) {
    Json patch = parse_json(req_.body);
    if (!patch.is_object()) return error_response(ApiError::bad_request("The request body must be a JSON object.", "invalid_json"));
    if (const Json* new_id = field(patch, "id"); new_id && (!new_id->is_string() || new_id->get<std::string>() != id))
      return error_response(ApiError::bad_request("A provider's id cannot change.", "invalid_value", "id"));
    return run_sql({store::providers::definition(caller_.owner_id, id)}, [this, id, patch](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the provider: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No custom provider with id '" + id + "'.", "provider_not_found"));
      Json merged = parse_json(str_field(r.at(0)[0], "definition"));
      if (!merged.is_object()) merged = Json::object();
      for (auto it = patch.begin(); it != patch.end(); ++it) merged[it.key()] = it.value();
      catalog::CustomProvider p;
      Action failure;
      if (!parse_body(dump_json(merged), p, failure)) return failure;

      std::vector<Statement> batch = {store::providers::update(caller_.owner_id, id, catalog::custom_provider_to_json(p), req_.now_ms)};
      for (auto& s : catalog_rows(p)) batch.push_back(std::move(s));
      if (!p.models_url) {
        // A fixed list is the whole truth: models dropped from it go.
        std::vector<std::string> keep;
        for (const auto& m : p.models) keep.push_back(m.id);
        batch.push_back(store::catalog::prune_custom(caller_.owner_id, id, keep));
      }
      // Its URL or prices may have changed: the next sync writes every row again.
      batch.push_back(store::sync_state::forget(caller_.owner_id, id));
      batch.push_back(store::catalog::active_count(caller_.owner_id, id));
      return run_sql(std::move(batch), [this, p](const SqlResult& w) {
        if (!w.ok()) return error_response(ApiError::internal("Could not update the provider: " + w.error));
        gw_.invalidate_offerings();
        gw_.invalidate_owner(caller_.owner_id);
        const Json& counted = w.at(w.rows.size() - 1);
        return json_response(200, custom_json(p, counted.empty() ? 0 : int_field(counted[0], "n"), nullptr));
      });
    });
  }

  Action remove(const std::string& id) {
    // Its rows and sync state go with it (only when it was deleted).
    return run_sql({store::credentials::count_for_provider(caller_.owner_id, id), store::providers::remove_unused(caller_.owner_id, id),
                    store::catalog::remove_deleted_custom(caller_.owner_id, id),
                    store::sync_state::forget_deleted_custom(caller_.owner_id, id)},
                   [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not delete the provider: " + r.error));
      if (r.at(1).empty()) {
        int64_t credentials = r.at(0).empty() ? 0 : int_field(r.at(0)[0], "n");
        if (credentials > 0)
          return error_response({409, "Provider '" + id + "' still has " + std::to_string(credentials) +
                                          " credential(s); delete them first.", "invalid_request_error", "provider_in_use", {}});
        return error_response(ApiError::not_found("No custom provider with id '" + id + "'.", "provider_not_found"));
      }
      gw_.invalidate_offerings();
      gw_.invalidate_owner(caller_.owner_id);
      return json_response(200, {{"id", id}, {"deleted", true}});
    });
  }
};

}  // namespace

std::unique_ptr<Task> make_providers_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<ProvidersTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
