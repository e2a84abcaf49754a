#include "api/credentials.h"

#include "api/credential_validation.h"
#include "api/oauth_secret.h"
#include "billing/cost.h"
#include "catalog/credits.h"
#include "catalog/custom_provider.h"
#include "core/secrets.h"
#include "store/credentials_store.h"
#include "store/health_store.h"
#include "store/providers_store.h"
#include "store/wallet_store.h"

namespace keyaos::api {
namespace {

Json credential_json(const Json& row) {
  Json quota = nullptr;
  if (const Json* q = field(row, "quota_nusd"); q && q->is_number()) quota = billing::nano_to_usd(int_field(row, "quota_nusd"));
  return {{"id", str_field(row, "id")},
          {"provider_id", str_field(row, "provider_id")},
          {"label", str_field(row, "label")},
          {"secret_hint", str_field(row, "secret_hint")},
          {"price_multiplier", num_field(row, "price_multiplier", 1.0)},
          {"quota_usd", quota},
          {"quota_source", field(row, "quota_source") && row["quota_source"].is_string() ? Json(row["quota_source"]) : Json(nullptr)},
          {"is_enabled", int_field(row, "is_enabled", 1) != 0},
          {"health", str_field(row, "health", "ok")},
          {"dead_reason", field(row, "dead_reason") && row["dead_reason"].is_string() ? Json(row["dead_reason"]) : Json(nullptr)},
          {"spent_usd", billing::nano_to_usd(int_field(row, "spent_nusd"))},
          {"request_count", int_field(row, "request_count")},
          {"created_at", int_field(row, "created_at")},
          {"updated_at", int_field(row, "updated_at")}};
}

class CredentialsTask : public Task {
 public:
  CredentialsTask(Gateway& gw, HttpRequest req, Caller caller) : gw_(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    const std::string base = "/api/credentials";
    std::string rest = req_.path.size() > base.size() ? req_.path.substr(base.size() + 1) : "";
    if (rest.empty()) {
      if (req_.method == "GET") return show("");
      if (req_.method == "POST") return add();
      return error_response(ApiError::method_not_allowed("Use GET or POST on /api/credentials."));
    }
    if (rest.find('/') != std::string::npos) return error_response(ApiError::not_found("No such route: " + req_.path));
    if (req_.method == "DELETE") return remove(rest);
    if (req_.method == "GET") return show(rest);
    if (req_.method == "PATCH") return update(rest);
    return error_response(ApiError::method_not_allowed("Use GET, PATCH or DELETE on /api/credentials/{id}."));
  }

 private:
  // Credentials of the caller (one id, or all), each with its active cooldowns.
  Action show(const std::string& id) {
    Statement s = id.empty() ? store::credentials::list(caller_.owner_id) : store::credentials::get(caller_.owner_id, id);
    std::vector<Statement> batch = {s, store::health::owner_cooldowns(caller_.owner_id, req_.now_ms)};
    // Platform mode: what each credential earned serving others.
    const bool platform = gw_.config().platform.enabled;
    if (platform) batch.push_back(store::wallet::earnings_by_credential(caller_.owner_id));
    return run_sql(std::move(batch), [this, id, platform](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read credentials: " + r.error));
      Json data = Json::array();
      for (const auto& row : r.at(0)) {
        Json c = credential_json(row);
        if (platform) {
          int64_t earned = 0;
          for (const auto& e : r.at(2))
            if (str_field(e, "credential_id") == str_field(row, "id")) earned = int_field(e, "earned_nusd");
          c["earnings_usd"] = billing::nano_to_usd(earned);
          c["earnings_nusd"] = earned;
        }
        Json list = Json::array();
        for (const auto& cool : r.at(1))
          if (str_field(cool, "credential_id") == str_field(row, "id"))
            list.push_back({{"model_id", str_field(cool, "model_id")},
                            {"until_ms", int_field(cool, "until_ms")},
                            {"failures", int_field(cool, "failures")},
                            {"reason", str_field(cool, "reason")}});
        c["cooldowns"] = list;
        data.push_back(std::move(c));
      }
      if (id.empty()) return json_response(200, {{"object", "list"}, {"data", data}});
      if (data.empty()) return error_response(ApiError::not_found("No credential with id '" + id + "'.", "credential_not_found"));
      return json_response(200, data[0]);
    });
  }

  // PATCH: multiplier, quota, enabled, label. Enabling a dead credential
  // revives it: the user says the key is good again.
  Action update(const std::string& id) {
    Json body = parse_json(req_.body);
    if (!body.is_object()) return error_response(ApiError::bad_request("The request body must be a JSON object.", "invalid_json"));
    store::credentials::Changes changes;
    changes.now_ms = req_.now_ms;
    if (const Json* m = field(body, "price_multiplier")) {
      if (!m->is_number() || m->get<double>() <= 0 || m->get<double>() > 100)
        return error_response(ApiError::bad_request("'price_multiplier' must be a number above 0 and at most 100.", "invalid_value", "price_multiplier"));
      changes.multiplier = m->get<double>();
    }
    if (const Json* q = field(body, "quota_usd")) {
      if (!q->is_null() && (!q->is_number() || q->get<double>() < 0))
        return error_response(ApiError::bad_request("'quota_usd' must be a number of dollars, 0 or more, or null for unlimited.", "invalid_value", "quota_usd"));
      changes.set_quota = true;
      if (!q->is_null()) changes.quota_nusd = billing::usd_to_nano(q->get<double>());
    }
    if (const Json* e = field(body, "is_enabled")) {
      if (!e->is_boolean()) return error_response(ApiError::bad_request("'is_enabled' must be true or false.", "invalid_type", "is_enabled"));
      changes.enabled = e->get<bool>();
    }
    if (const Json* l = field(body, "label")) {
      if (!l->is_string() && !l->is_null()) return error_response(ApiError::bad_request("'label' must be a string.", "invalid_type", "label"));
      changes.set_label = true;
      changes.label = *l;
    }
    if (!changes.multiplier && !changes.set_quota && !changes.enabled && !changes.set_label)
      return error_response(ApiError::bad_request("Nothing to update: send price_multiplier, quota_usd, is_enabled or label.", "invalid_request"));
    // Enabling revives: its cooldowns go too.
    return run_sql({store::credentials::update(caller_.owner_id, id, changes),
                    store::health::clear_credential_if(id, changes.enabled.value_or(false))},
                   [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not update the credential: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No credential with id '" + id + "'.", "credential_not_found"));
      gw_.invalidate_owner(caller_.owner_id);
      gw_.forget_credential(id);
      return show(id);
    });
  }

  Action add() {
    if (!gw_.config().encryption_configured)
      return error_response({503, "ENCRYPTION_KEY is not configured, so credentials cannot be stored safely.",
                             "server_error", "encryption_not_configured", {}});
    body_ = parse_json(req_.body);
    if (!body_.is_object()) return error_response(ApiError::bad_request("The request body must be a JSON object.", "invalid_json"));
    provider_id_ = str_field(body_, "provider_id");
    if (provider_id_.empty()) return error_response(ApiError::bad_request("'provider_id' is required.", "missing_required_parameter", "provider_id"));
    if (const catalog::ProviderDef* builtin = gw_.builtin_provider(provider_id_)) {
      def_ = *builtin;
      return check_and_add();
    }
    // Not built in: one of the owner's custom providers, read fresh from D1.
    return run_sql({store::providers::definition(caller_.owner_id, provider_id_)}, [this](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the providers: " + r.error));
      catalog::CustomProvider custom;
      std::string error;
      if (r.at(0).empty() || !catalog::parse_custom_provider(str_field(r.at(0)[0], "definition"), custom, error))
        return error_response(ApiError::bad_request("Unknown provider '" + provider_id_ + "'.", "unknown_provider", "provider_id"));
      def_ = catalog::custom_provider_def(custom);
      return check_and_add();
    });
  }

  Action check_and_add() {
    const catalog::ProviderDef* def = &def_;
    const Json& body = body_;
    const Json* secret = field(body, "secret");
    if (!secret || !secret->is_string() || secret->get<std::string>().empty())
      return error_response(ApiError::bad_request("'secret' is required and must be a string.", "missing_required_parameter", "secret"));
    secret_ = secret->get<std::string>();
    while (!secret_.empty() && (secret_.back() == '\n' || secret_.back() == ' ' || secret_.back() == '\r')) secret_.pop_back();
    while (!secret_.empty() && (secret_.front() == ' ' || secret_.front() == '\n')) secret_.erase(0, 1);
    if (secret_.empty())
      return error_response(ApiError::bad_request("'secret' is empty.", "missing_required_parameter", "secret"));
    if (std::string bad = secret_format_error(secret_); !bad.empty())
      return error_response(ApiError::bad_request(bad, "invalid_secret_format", "secret"));
    // OAuth providers: store the normalised credential file, never an access token.
    if (OAuthSecret oauth = normalise_oauth_secret(*def, secret_); oauth.applies) {
      if (!oauth.ok) return error_response(ApiError::bad_request(oauth.error, "invalid_secret_format", "secret"));
      secret_ = std::move(oauth.json);
      oauth_hint_ = std::move(oauth.hint);
    }
    // An API-key provider never takes a credential file: storing one would send it upstream as a key.
    if (is_bearer_key(*def) && secret_.front() == '{')
      return error_response(ApiError::bad_request(def->name + " takes an API key, not a JSON credential file: OAuth logins are not supported for " +
                                                      def->name + ".",
                                                  "invalid_secret_format", "secret"));
    if (def->secret_format && !catalog::secret_matches(*def->secret_format, secret_))
      return error_response(ApiError::bad_request("This does not look like a " + def->name + " credential: expected " +
                                                      catalog::describe_secret_format(*def->secret_format) + ".",
                                                  "invalid_secret_format", "secret"));
    if (const Json* m = field(body, "price_multiplier"); m && !m->is_null()) {
      if (!m->is_number() || m->get<double>() <= 0 || m->get<double>() > 100)
        return error_response(ApiError::bad_request("'price_multiplier' must be a number above 0 and at most 100.", "invalid_value", "price_multiplier"));
      multiplier_ = m->get<double>();
    }
    if (const Json* q = field(body, "quota_usd"); q && !q->is_null()) {
      if (!q->is_number() || q->get<double>() < 0)
        return error_response(ApiError::bad_request("'quota_usd' must be a number of dollars, 0 or more.", "invalid_value", "quota_usd"));
      quota_ = billing::usd_to_nano(q->get<double>());
    }
    if (const Json* v = field(body, "validate"); v && !v->is_null()) {
      if (!v->is_boolean()) return error_response(ApiError::bad_request("'validate' must be true or false.", "invalid_type", "validate"));
      validate_ = v->get<bool>();
    }
    label_ = str_field(body, "label");
    // A provider that reports its balance keeps the quota current itself, unless one is given.
    auto_quota_ = !quota_ && def_.credits && is_bearer_key(def_);
    if (!validate_ || !is_bearer_key(def_)) return seal();
    return then(validation_fetch(gw_, def_, secret_), [this](const Event& ev) { return on_validation(ev); });
  }

  // ---- validation and balance, with the plaintext key ----------------------
  Action on_validation(const Event& ev) {
    if (ev.type == EventType::upstream_error) {
      bool timeout = str_field(ev.head, "kind") == "timeout";
      return error_response({timeout ? 504 : 502,
                             "Could not reach " + def_.name + " to check the credential: " + str_field(ev.head, "message", "connection failed") +
                                 ". Try again, or add it with \"validate\": false.",
                             "upstream_error", timeout ? "upstream_timeout" : "upstream_unreachable", {}});
    }
    const int status = static_cast<int>(int_field(ev.head, "status"));
    const KeyVerdict verdict = key_verdict(status);
    if (verdict == KeyVerdict::valid) return fetch_balance();
    Action a = read_body_action(64 * 1024, gw_.config().timeouts.idle_ms, false);
    return then(std::move(a), [this, verdict, status](const Event& body) {
      return error_response(validation_error(def_, verdict, status, body.type == EventType::upstream_body ? std::string_view(body.payload) : "", req_.now_ms));
    });
  }

  // The first auto quota; when the balance cannot be read, the cron retries.
  Action fetch_balance() {
    if (!auto_quota_) return seal();
    return then(balance_fetch(gw_, def_, secret_), [this](const Event& ev) {
      const int status = static_cast<int>(int_field(ev.head, "status"));
      if (ev.type != EventType::upstream_head || status < 200 || status >= 300) return seal();
      Action a = read_body_action(64 * 1024, gw_.config().timeouts.idle_ms, false);
      return then(std::move(a), [this](const Event& body) {
        catalog::CreditBalance balance;
        std::string error;
        if (body.type == EventType::upstream_body && catalog::parse_credits(def_.credits->parser, body.payload, gw_.config().cny_usd_rate, balance, error))
          quota_ = billing::usd_to_nano(balance.remaining_usd);
        return seal();
      });
    });
  }

  Action seal() {
    id_ = "cred_" + req_.nonce.substr(0, 24);
    Action a = crypto_action(Json::array({{{"op", "seal"}, {"text", secret_}, {"aad", credential_aad(caller_.owner_id, id_)}}}));
    return then(std::move(a), [this](const Event& ev) { return insert(ev); });
  }

  Action insert(const Event& ev) {
    const Json* values = field(ev.head, "values");
    if (!values || !values->is_array() || values->empty())
      return error_response(ApiError::internal("Encrypting the credential failed."));
    const Json& sealed = (*values)[0];
    store::credentials::NewCredential c;
    c.id = id_;
    c.provider_id = provider_id_;
    c.label = label_;
    c.ciphertext = str_field(sealed, "ciphertext");
    c.secret_hash = str_field(sealed, "sha256");
    c.hint = oauth_hint_.empty() ? secret_hint(secret_) : oauth_hint_;
    c.multiplier = multiplier_;
    c.quota_nusd = quota_;
    if (auto_quota_) c.quota_source = "auto";
    else if (quota_) c.quota_source = "manual";
    c.now_ms = req_.now_ms;
    secret_.assign(secret_.size(), '\0');  // the plaintext is not needed any more
    return run_sql({store::credentials::insert(caller_.owner_id, c), store::credentials::get(caller_.owner_id, id_)}, [this](const SqlResult& r) {
      if (!r.ok()) {
        if (r.error.find("UNIQUE") != std::string::npos)
          return error_response({409, "This credential has already been added.", "invalid_request_error", "credential_duplicate", "secret"});
        return error_response(ApiError::internal("Could not store the credential: " + r.error));
      }
      gw_.invalidate_owner(caller_.owner_id);
      Json out = credential_json(r.at(1).empty() ? Json::object() : r.at(1)[0]);
      out["cooldowns"] = Json::array();
      return json_response(201, out);
    });
  }

  Action remove(const std::string& id) {
    return run_sql({store::credentials::remove(caller_.owner_id, id), store::health::clear_deleted(id)}, [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not delete the credential: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No credential with id '" + id + "'.", "credential_not_found"));
      gw_.invalidate_owner(caller_.owner_id);
      gw_.forget_credential(id);
      return json_response(200, {{"id", id}, {"deleted", true}});
    });
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  std::string provider_id_, secret_, label_, id_;
  std::string oauth_hint_;  // OAuth credentials: the account or the token's tail
  double multiplier_ = 1.0;
  std::optional<int64_t> quota_;
  Json body_;
  catalog::ProviderDef def_;  // a copy: a custom provider's definition lives in this task only
  bool validate_ = true;      // "validate": false adds the key without asking the upstream (offline)
  bool auto_quota_ = false;
};

}  // namespace

std::string secret_hint(const std::string& secret) {
  if (!secret.empty() && secret.front() == '{') return "{...json...}";
  return tail_hint(secret);
}

std::unique_ptr<Task> make_credentials_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<CredentialsTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
