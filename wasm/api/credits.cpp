#include "api/credits.h"

#include "api/page.h"
#include "billing/cost.h"
#include "platform/gift_code.h"
#include "store/gift_cards_store.h"
#include "store/wallet_store.h"

namespace keyaos::api {
namespace {

constexpr int64_t kHourMs = 60LL * 60 * 1000;
constexpr size_t kMaxRedeemBody = 4096;
constexpr size_t kMaxCodeInput = 64;

struct Kind {
  const char* name;
  const char* label;
};
constexpr Kind kKinds[] = {{"spend", "API usage"},         {"earn", "Earned from shared credential"}, {"topup", "Credit purchase"},
                           {"auto_topup", "Auto top-up"}, {"gift_card", "Gift card"},                  {"grant", "Credit grant"},
                           {"revoke", "Credit revoked"}};

Action database_unavailable(const SqlResult& r) { return error_response(ApiError::internal("The gateway database is unavailable: " + r.error)); }

Json text_or_null(const Json& row, const char* key) {
  const Json* v = field(row, key);
  return v && v->is_string() ? *v : Json(nullptr);
}

Json transaction_json(const Json& row) {
  const std::string kind = str_field(row, "kind");
  Json out = {{"id", str_field(row, "id")}, {"object", "transaction"}, {"kind", kind}};
  put_money(out, "amount", int_field(row, "amount_nusd"));
  out["created_at"] = int_field(row, "created_at");
  out["description"] = entry_description(kind, str_field(row, "reason"));
  out["request_id"] = text_or_null(row, "request_id");
  out["credential_id"] = text_or_null(row, "credential_id");
  return out;
}

class CreditsApiTask : public Task {
 public:
  CreditsApiTask(Gateway& gw, HttpRequest req, Caller caller) : gw_(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    if (!gw_.config().platform.enabled) return no_such_route_response(req_);
    const std::string& p = req_.path;
    const char* method = p == "/api/credits/redeem" ? "POST" : "GET";
    if (req_.method != method) return error_response(ApiError::method_not_allowed(std::string("Use ") + method + " " + p + "."));
    if (p == "/api/credits/balance") return balance();
    if (p == "/api/credits/transactions") return transactions();
    return redeem();
  }

 private:
  Action balance() {
    return run_sql({store::wallet::balance(caller_.owner_id)}, [](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      Json out = Json::object();
      put_money(out, "balance", r.at(0).empty() ? 0 : int_field(r.at(0)[0], "balance_nusd"));
      return json_response(200, out);
    });
  }

  Action transactions() {
    PageQuery page;
    if (auto bad = page_query(req_, page)) return error_response(*bad);
    const std::string kind = query_param(req_.query, "kind");
    if (!kind.empty() && !known_entry_kind(kind))
      return error_response(ApiError::bad_request(
          "'kind' must be one of spend, earn, topup, auto_topup, gift_card, grant, revoke.", "invalid_kind", "kind"));
    store::PagePosition after;
    if (page.after) after = std::pair{page.after->created_at, page.after->id};
    const int64_t limit = page.limit;
    return run_sql({store::wallet::transactions(caller_.owner_id, kind, after, limit + 1)}, [limit](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return json_response(200, page_json(r.at(0), limit, transaction_json));
    });
  }

  Action redeem() {
    Json body;
    if (auto bad = json_object_body(req_, kMaxRedeemBody, body)) return error_response(*bad);
    const Json* code = field(body, "code");
    if (!code || !code->is_string() || code->get<std::string>().empty() || code->get<std::string>().size() > kMaxCodeInput)
      return error_response(ApiError::bad_request("'code' must be a gift card code such as KAOS-XXXX-XXXX-XXXX-XXXX.", "invalid_type", "code"));
    const std::string normalised = platform::gift_code::normalise(code->get<std::string>());
    // A string that cannot be a code is tried like an unknown one (it matches
    // no card, counts as a failure), so the two cannot be told apart.
    if (normalised.empty()) return claim("-");
    Action a = crypto_action(Json::array({{{"op", "sha256"}, {"text", normalised}}}));
    return then(std::move(a), [this](const Event& ev) {
      const Json* values = field(ev.head, "values");
      const std::string hash = values && values->is_array() && !values->empty() ? str_field((*values)[0], "sha256") : "";
      if (hash.empty()) return error_response(ApiError::internal("Hashing the gift card code failed."));
      return claim(hash);
    });
  }

  // One batch, so it is one transaction: at most one claim of a card wins,
  // and only the winner's entry is written.
  Action claim(const std::string& hash) {
    const std::string& owner = caller_.owner_id;
    const int64_t now = req_.now_ms, since = now - kHourMs, limit = kRedeemFailuresPerHour;
    namespace gc = store::gift_cards;
    return run_sql({gc::prune_failures(owner, since), gc::failures(owner, since), gc::claim(owner, hash, now, since, limit),
                    gc::credit(owner, hash, now), gc::record_failure(owner, hash, now, since, limit), store::wallet::balance(owner)},
                   [](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      if (r.at(2).empty()) {
        if (!r.at(1).empty() && int_field(r.at(1)[0], "n") >= kRedeemFailuresPerHour)
          return error_response({429, "Too many failed gift card redemptions; try again within the hour.", "rate_limit_error",
                                 "too_many_attempts", {}});
        return error_response(ApiError::bad_request("This gift card code is invalid or has already been redeemed.", "invalid_or_used", "code"));
      }
      const Json& card = r.at(2)[0];
      Json out = {{"card_id", str_field(card, "id")}, {"amount_cents", int_field(card, "amount_cents")}};
      put_money(out, "amount", int_field(card, "amount_cents") * kNusdPerCent);
      put_money(out, "balance", r.at(5).empty() ? 0 : int_field(r.at(5)[0], "balance_nusd"));
      return json_response(200, out);
    });
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
};

}  // namespace

bool known_entry_kind(const std::string& kind) {
  for (const Kind& k : kKinds)
    if (kind == k.name) return true;
  return false;
}

std::string entry_description(const std::string& kind, const std::string& reason) {
  for (const Kind& k : kKinds) {
    if (kind != k.name) continue;
    const bool adjustment = kind == "grant" || kind == "revoke";
    return adjustment && !reason.empty() ? std::string(k.label) + ": " + reason : k.label;
  }
  return kind;
}

Action no_such_route_response(const HttpRequest& req) { return error_response(ApiError::not_found("No such route: " + req.method + " " + req.path)); }

void put_money(Json& out, const std::string& prefix, int64_t nusd) {
  out[prefix + "_usd"] = billing::nano_to_usd(nusd);
  out[prefix + "_nusd"] = nusd;
}

std::optional<ApiError> json_object_body(const HttpRequest& req, size_t max_bytes, Json& out) {
  if (req.body.size() > max_bytes)
    return ApiError{413, "The request body is larger than " + std::to_string(max_bytes) + " bytes.", "invalid_request_error",
                    "request_too_large", {}};
  out = parse_json(req.body);
  if (!out.is_object()) return ApiError::bad_request("The body must be a JSON object.", "invalid_json");
  return std::nullopt;
}

std::optional<ApiError> integer_field(const Json& body, const char* name, int64_t min, int64_t max, bool required, int64_t& out) {
  const Json* v = field(body, name);
  if (!v || v->is_null()) {
    if (!required) return std::nullopt;
  } else if (v->is_number_integer()) {
    const bool in_range = v->is_number_unsigned() ? v->get<uint64_t>() <= static_cast<uint64_t>(max) && min <= max
                                                  : v->get<int64_t>() >= min && v->get<int64_t>() <= max;
    if (in_range) {
      out = v->is_number_unsigned() ? static_cast<int64_t>(v->get<uint64_t>()) : v->get<int64_t>();
      if (out >= min) return std::nullopt;
    }
  }
  return ApiError::bad_request("'" + std::string(name) + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ".",
                               "invalid_" + std::string(name), name);
}

std::unique_ptr<Task> make_credits_api_task(Gateway& gw, HttpRequest request, Caller caller) {
  return std::make_unique<CreditsApiTask>(gw, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
