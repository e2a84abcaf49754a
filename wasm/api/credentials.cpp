#include "api/credentials.h"

#include <regex>

#include "billing/cost.h"

namespace keyaos::api {
namespace {

constexpr size_t kMaxSecretBytes = 32 * 1024;

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

const char* kSelectColumns =
    "SELECT id, provider_id, label, secret_hint, price_multiplier, quota_nusd, quota_source, is_enabled, health, "
    "dead_reason, spent_nusd, request_count, created_at, updated_at FROM credentials";

class CredentialsTask : public Task {
 public:
  CredentialsTask(Gateway& gw, HttpRequest req, Caller caller) : gw_(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    const std::string base = "/api/credentials";
    std::string rest = req_.path.size() > base.size() ? req_.path.substr(base.size() + 1) : "";
    if (rest.empty()) {
      if (req_.method == "GET") return list();
      if (req_.method == "POST") return add();
      return error_response(ApiError::method_not_allowed("Use GET or POST on /api/credentials."));
    }
    if (rest.find('/') != std::string::npos) return error_response(ApiError::not_found("No such route: " + req_.path));
    if (req_.method == "DELETE") return remove(rest);
    if (req_.method == "GET") return get_one(rest);
    return error_response(ApiError::method_not_allowed("Use GET or DELETE on /api/credentials/{id}."));
  }

 private:
  Action list() {
    Statement s;
    s.sql = std::string(kSelectColumns) + " WHERE owner_id = ? ORDER BY created_at";
    s.params = Json::array({caller_.owner_id});
    return run_sql({s}, [](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read credentials: " + r.error));
      Json data = Json::array();
      for (const auto& row : r.at(0)) data.push_back(credential_json(row));
      return json_response(200, {{"object", "list"}, {"data", data}});
    });
  }

  Action get_one(const std::string& id) {
    Statement s;
    s.sql = std::string(kSelectColumns) + " WHERE owner_id = ? AND id = ?";
    s.params = Json::array({caller_.owner_id, id});
    return run_sql({s}, [id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the credential: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No credential with id '" + id + "'.", "credential_not_found"));
      return json_response(200, credential_json(r.at(0)[0]));
    });
  }

  Action add() {
    if (!gw_.config().encryption_configured)
      return error_response({503, "ENCRYPTION_KEY is not configured, so credentials cannot be stored safely.",
                             "server_error", "encryption_not_configured", {}});
    Json body = parse_json(req_.body);
    if (!body.is_object()) return error_response(ApiError::bad_request("The request body must be a JSON object.", "invalid_json"));
    provider_id_ = str_field(body, "provider_id");
    if (provider_id_.empty()) return error_response(ApiError::bad_request("'provider_id' is required.", "missing_required_parameter", "provider_id"));
    const catalog::ProviderDef* def = gw_.provider(provider_id_);
    if (!def) return error_response(ApiError::bad_request("Unknown provider '" + provider_id_ + "'.", "unknown_provider", "provider_id"));
    const Json* secret = field(body, "secret");
    if (!secret || !secret->is_string() || secret->get<std::string>().empty())
      return error_response(ApiError::bad_request("'secret' is required and must be a string.", "missing_required_parameter", "secret"));
    secret_ = secret->get<std::string>();
    while (!secret_.empty() && (secret_.back() == '\n' || secret_.back() == ' ' || secret_.back() == '\r')) secret_.pop_back();
    while (!secret_.empty() && (secret_.front() == ' ' || secret_.front() == '\n')) secret_.erase(0, 1);
    if (secret_.size() > kMaxSecretBytes) return error_response(ApiError::bad_request("'secret' is too long.", "invalid_secret_format", "secret"));
    if (def->secret_pattern && !def->secret_pattern->empty()) {
      std::regex pattern(*def->secret_pattern, std::regex::ECMAScript);
      if (!std::regex_search(secret_, pattern))
        return error_response(ApiError::bad_request("This does not look like a " + def->name + " credential (expected the format " +
                                                        def->credential_guide.placeholder + ").",
                                                    "invalid_secret_format", "secret"));
    }
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
    label_ = str_field(body, "label");
    Action a;
    a.head = {{"type", "crypto"}, {"items", Json::array({{{"op", "seal"}, {"text", secret_}}})}};
    return then(std::move(a), [this](const Event& ev) { return insert(ev); });
  }

  Action insert(const Event& ev) {
    const Json* values = field(ev.head, "values");
    if (!values || !values->is_array() || values->empty())
      return error_response(ApiError::internal("Encrypting the credential failed."));
    const Json& sealed = (*values)[0];
    id_ = "cred_" + req_.nonce.substr(0, 24);
    Statement s;
    s.sql =
        "INSERT INTO credentials (id, owner_id, provider_id, label, encrypted_secret, secret_hash, secret_hint, "
        "price_multiplier, quota_nusd, quota_source, is_enabled, health, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'ok', ?, ?)";
    s.params = Json::array({id_, caller_.owner_id, provider_id_, label_.empty() ? Json(nullptr) : Json(label_),
                            str_field(sealed, "ciphertext"), str_field(sealed, "sha256"), secret_hint(secret_), multiplier_,
                            quota_ ? Json(*quota_) : Json(nullptr), quota_ ? Json("manual") : Json(nullptr), req_.now_ms,
                            req_.now_ms});
    secret_.assign(secret_.size(), '\0');  // the plaintext is not needed any more
    Statement back;
    back.sql = std::string(kSelectColumns) + " WHERE id = ?";
    back.params = Json::array({id_});
    return run_sql({s, back}, [this](const SqlResult& r) {
      if (!r.ok()) {
        if (r.error.find("UNIQUE") != std::string::npos)
          return error_response({409, "This credential has already been added.", "invalid_request_error", "credential_duplicate", "secret"});
        return error_response(ApiError::internal("Could not store the credential: " + r.error));
      }
      gw_.invalidate_owner(caller_.owner_id);
      return json_response(201, credential_json(r.at(1).empty() ? Json::object() : r.at(1)[0]));
    });
  }

  Action remove(const std::string& id) {
    Statement del;
    del.sql = "DELETE FROM credentials WHERE owner_id = ? AND id = ? RETURNING id";
    del.params = Json::array({caller_.owner_id, id});
    Statement cool;
    cool.sql = "DELETE FROM cooldowns WHERE credential_id = ? AND NOT EXISTS (SELECT 1 FROM credentials WHERE id = ?)";
    cool.params = Json::array({id, id});
    return run_sql({del, cool}, [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not delete the credential: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No credential with id '" + id + "'.", "credential_not_found"));
      gw_.invalidate_owner(caller_.owner_id);
      return json_response(200, {{"id", id}, {"deleted", true}});
    });
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  std::string provider_id_, secret_, label_, id_;
  double multiplier_ = 1.0;
  std::optional<int64_t> quota_;
};

}  // namespace

std::string secret_hint(const std::string& secret) {
  // ASCII only: the hint travels in response headers.
  if (!secret.empty() && secret.front() == '{') return "{...json...}";
  if (secret.size() <= 12) return "***";
  return secret.substr(0, 6) + "..." + secret.substr(secret.size() - 4);
}

std::unique_ptr<Task> make_credentials_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<CredentialsTask>(gateway, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
