#include "api/api_keys.h"

#include "billing/cost.h"
#include "store/api_keys_store.h"

namespace keyaos::api {
namespace {

Json nullable_int(const Json& row, const char* key) {
  const Json* v = field(row, key);
  return v && v->is_number() ? Json(int_field(row, key)) : Json(nullptr);
}

Json key_json(const Json& row) {
  const Json* quota = field(row, "quota_nusd");
  Json models = parse_json(str_field(row, "allowed_models"));
  Json ips = parse_json(str_field(row, "allowed_ips"));
  return {{"id", str_field(row, "id")},
          {"name", str_field(row, "name")},
          {"key_hint", str_field(row, "key_hint")},
          {"is_enabled", int_field(row, "is_enabled", 1) != 0},
          {"expires_at", nullable_int(row, "expires_at")},
          {"quota_usd", quota && quota->is_number() ? Json(billing::nano_to_usd(int_field(row, "quota_nusd"))) : Json(nullptr)},
          {"used_usd", billing::nano_to_usd(int_field(row, "used_nusd"))},
          {"request_count", int_field(row, "request_count")},
          {"allowed_models", models.is_array() ? models : Json::array()},
          {"allowed_ips", ips.is_array() ? ips : Json::array()},
          {"created_at", int_field(row, "created_at")},
          {"last_used_at", nullable_int(row, "last_used_at")}};
}

// Reads an optional list of non-empty strings; stores NULL for an empty list.
bool read_list(const Json& body, const char* key, Json& sql_value, ApiError& error) {
  const Json* v = field(body, key);
  if (!v || v->is_null()) return true;
  if (!v->is_array()) {
    error = ApiError::bad_request(std::string("'") + key + "' must be an array of strings.", "invalid_type", key);
    return false;
  }
  Json clean = Json::array();
  for (const auto& item : *v) {
    if (!item.is_string() || item.get<std::string>().empty()) {
      error = ApiError::bad_request(std::string("'") + key + "' must be an array of non-empty strings.", "invalid_type", key);
      return false;
    }
    clean.push_back(item);
  }
  sql_value = clean.empty() ? Json(nullptr) : Json(dump_json(clean));
  return true;
}

class ApiKeysTask : public Task {
 public:
  ApiKeysTask(Gateway& gw, HttpRequest req, Caller caller) : gw_(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    const std::string base = "/api/api-keys";
    std::string rest = req_.path.size() > base.size() ? req_.path.substr(base.size() + 1) : "";
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash), action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (id.empty()) {
      if (req_.method == "GET") return list();
      if (req_.method == "POST") return create();
      return error_response(ApiError::method_not_allowed("Use GET or POST on /api/api-keys."));
    }
    if (action == "reset-usage" && req_.method == "POST") return reset(id);
    if (!action.empty()) return error_response(ApiError::not_found("No such route: " + req_.method + " " + req_.path));
    if (req_.method == "GET") return get_one(id);
    if (req_.method == "PATCH") return update(id);
    if (req_.method == "DELETE") return remove(id);
    return error_response(ApiError::method_not_allowed("Use GET, PATCH or DELETE on /api/api-keys/{id}."));
  }

 private:
  Action list() {
    return run_sql({store::api_keys::list(caller_.owner_id)}, [](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read API keys: " + r.error));
      Json data = Json::array();
      for (const auto& row : r.at(0)) data.push_back(key_json(row));
      return json_response(200, {{"object", "list"}, {"data", data}});
    });
  }

  Action get_one(const std::string& id) {
    return run_sql({select_one(id)}, [id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the API key: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No API key with id '" + id + "'.", "api_key_not_found"));
      return json_response(200, key_json(r.at(0)[0]));
    });
  }

  Statement select_one(const std::string& id) const { return store::api_keys::get(caller_.owner_id, id); }

  // Validates the settable fields into SQL values; `creating` requires a name.
  bool read_fields(const Json& body, bool creating, ApiError& error) {
    if (const Json* n = field(body, "name")) {
      if (!n->is_string() || n->get<std::string>().empty() || n->get<std::string>().size() > 200) {
        error = ApiError::bad_request("'name' must be a non-empty string of at most 200 characters.", "invalid_value", "name");
        return false;
      }
      set_["name"] = *n;
    } else if (creating) {
      set_["name"] = "Untitled key";
    }
    if (const Json* e = field(body, "expires_at")) {
      if (!e->is_null() && !e->is_number_integer()) {
        error = ApiError::bad_request("'expires_at' must be a time in milliseconds since the epoch, or null.", "invalid_value", "expires_at");
        return false;
      }
      set_["expires_at"] = *e;
    }
    if (const Json* q = field(body, "quota_usd")) {
      if (!q->is_null() && (!q->is_number() || q->get<double>() < 0)) {
        error = ApiError::bad_request("'quota_usd' must be a number of dollars, 0 or more, or null.", "invalid_value", "quota_usd");
        return false;
      }
      set_["quota_nusd"] = q->is_null() ? Json(nullptr) : Json(billing::usd_to_nano(q->get<double>()));
    }
    if (const Json* en = field(body, "is_enabled")) {
      if (!en->is_boolean()) {
        error = ApiError::bad_request("'is_enabled' must be true or false.", "invalid_type", "is_enabled");
        return false;
      }
      set_["is_enabled"] = en->get<bool>() ? 1 : 0;
    }
    for (const char* list : {"allowed_models", "allowed_ips"}) {
      if (!field(body, list)) continue;
      Json value;
      if (!read_list(body, list, value, error)) return false;
      set_[list] = value;
    }
    return true;
  }

  Action create() {
    Json body = parse_json(req_.body.empty() ? std::string("{}") : req_.body);
    if (!body.is_object()) return error_response(ApiError::bad_request("The request body must be a JSON object.", "invalid_json"));
    ApiError error;
    if (!read_fields(body, true, error)) return error_response(error);
    Action a = crypto_action(Json::array({{{"op", "random"}, {"bytes", 16}}, {{"op", "random"}, {"bytes", 12}}}));
    return then(std::move(a), [this](const Event& ev) {
      const Json* values = field(ev.head, "values");
      if (!values || !values->is_array() || values->size() < 2) return error_response(ApiError::internal("Generating the key failed."));
      key_ = kApiKeyPrefix + str_field((*values)[0], "hex");
      id_ = "key_" + str_field((*values)[1], "hex");
      Action h = crypto_action(Json::array({{{"op", "sha256"}, {"text", key_}}}));
      return then(std::move(h), [this](const Event& hashed) { return insert(hashed); });
    });
  }

  Action insert(const Event& ev) {
    const Json* values = field(ev.head, "values");
    if (!values || !values->is_array() || values->empty()) return error_response(ApiError::internal("Hashing the key failed."));
    const store::api_keys::NewKey key{id_, str_field((*values)[0], "sha256"),
                                      key_.substr(0, 14) + "..." + key_.substr(key_.size() - 4), req_.now_ms};
    return run_sql({store::api_keys::insert(caller_.owner_id, key, set_), select_one(id_)}, [this](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not store the API key: " + r.error));
      Json out = key_json(r.at(1).empty() ? Json::object() : r.at(1)[0]);
      out["key"] = key_;  // the only time the key is shown
      return json_response(201, out);
    });
  }

  Action update(const std::string& id) {
    Json body = parse_json(req_.body);
    if (!body.is_object()) return error_response(ApiError::bad_request("The request body must be a JSON object.", "invalid_json"));
    ApiError error;
    if (!read_fields(body, false, error)) return error_response(error);
    if (set_.empty()) return error_response(ApiError::bad_request("Nothing to update.", "invalid_request"));
    return write_then_show(store::api_keys::update(caller_.owner_id, id, set_), id);
  }

  Action reset(const std::string& id) {
    return write_then_show(store::api_keys::reset_usage(caller_.owner_id, id), id);
  }

  Action write_then_show(const Statement& write, const std::string& id) {
    return run_sql({write, select_one(id)}, [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not update the API key: " + r.error));
      if (r.at(1).empty()) return error_response(ApiError::not_found("No API key with id '" + id + "'.", "api_key_not_found"));
      gw_.invalidate_api_keys();
      return json_response(200, key_json(r.at(1)[0]));
    });
  }

  Action remove(const std::string& id) {
    return run_sql({store::api_keys::remove(caller_.owner_id, id)}, [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not delete the API key: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No API key with id '" + id + "'.", "api_key_not_found"));
      gw_.invalidate_api_keys();
      return json_response(200, {{"id", id}, {"deleted", true}});
    });
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  Json set_ = Json::object();  // column -> SQL value
  std::string key_, id_;
};

}  // namespace

std::unique_ptr<Task> make_api_keys_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<ApiKeysTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
