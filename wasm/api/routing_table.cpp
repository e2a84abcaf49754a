#include "api/routing_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "billing/cost.h"
#include "core/secrets.h"
#include "core/text.h"
#include "store/api_keys_store.h"
#include "store/catalog_store.h"
#include "store/credentials_store.h"
#include "store/ledger_store.h"
#include "store/wallet_store.h"

namespace keyaos::api {
namespace {
// A reservation older than this belongs to a request that never settled (its
// ledger write was lost); it stops counting against the key's quota.
constexpr int64_t kReservationTtlMs = 15LL * 60 * 1000;
}  // namespace

std::vector<std::string> models_to_try(const std::string& model, const std::vector<std::string>& fallbacks) {
  std::vector<std::string> models{model};
  for (const auto& m : fallbacks)
    if (ascii_lower(m) != ascii_lower(model)) models.push_back(m);
  return models;
}

double attempt_jitter(std::string_view nonce, size_t attempt) {
  const uint32_t h = (fnv1a(nonce) ^ static_cast<uint32_t>(attempt)) * 16777619u;
  return (h % 10000) / 10000.0;
}

Action RoutingTask::reserve_quota(const Caller& caller, const std::string& request_id, double expected_usd, int64_t now_ms,
                                  std::function<Action()> next) {
  // At least 1 nano-USD, so a free-looking request is refused once the quota is spent.
  const int64_t amount = std::max<int64_t>(static_cast<int64_t>(std::ceil(expected_usd * 1e9)), 1);
  const std::string api_key_id = caller.api_key_id;
  return run_sql({store::ledger::expire_reservations(api_key_id, now_ms - kReservationTtlMs),
                  store::ledger::reserve(caller.owner_id, api_key_id, request_id, amount, now_ms),
                  store::api_keys::spend(caller.owner_id, api_key_id)},
                 [this, amount, api_key_id, next](const SqlResult& r) {
    if (!r.ok())
      return reject({503, "The gateway database is unavailable, so the API key's quota cannot be checked: " + r.error,
                     "service_unavailable", "database_unavailable", {}});
    if (r.at(2).empty()) return reject(ApiError::unauthorized("Invalid or disabled API key."));
    gw_.set_api_key_used(api_key_id, int_field(r.at(2)[0], "used_nusd"));
    if (r.at(1).empty()) {
      return reject({429,
                             "This API key's quota does not cover this request: its estimated cost ($" +
                                 billing::usd_text(billing::nano_to_usd(amount)) +
                                 ") is more than what is left once the requests in flight are counted.",
                             "insufficient_quota", "key_quota_exceeded", {}});
    }
    return next();
  });
}

Action RoutingTask::reserve_wallet(const std::string& owner_id, const std::string& request_id, double expected_usd, int64_t now_ms,
                                   std::function<Action(bool reserved)> next) {
  const int64_t amount = std::max<int64_t>(static_cast<int64_t>(std::ceil(expected_usd * 1e9)), 1);
  return run_sql({store::wallet::expire_reservations(owner_id, now_ms - kReservationTtlMs),
                  store::wallet::reserve(owner_id, request_id, amount, now_ms)},
                 [this, next](const SqlResult& r) {
    if (!r.ok())
      return reject({503, "The gateway database is unavailable, so the credit balance cannot be checked: " + r.error,
                     "service_unavailable", "database_unavailable", {}});
    return next(!r.at(1).empty());
  });
}

Action RoutingTask::admit(const std::string& owner_id, const std::string& request_id, const std::vector<PlannedAttempt>& plan,
                          int64_t now_ms, std::function<Action()> go, std::function<Action()> replan) {
  bool has_foreign = false;
  double foreign_expected_usd = 0;
  for (const auto& p : plan)
    if (p.credential.owner_id != owner_id) {
      has_foreign = true;
      foreign_expected_usd = std::max(foreign_expected_usd, p.expected_cost_usd);
    }
  if (!gw_.config().platform.enabled || wallet_checked_ || !has_foreign) return go();
  wallet_checked_ = true;
  // The consumer pays the contributor's price plus the service fee.
  const double charged_usd = foreign_expected_usd * (100 + billing::kServiceFeePercent) / 100;
  return reserve_wallet(owner_id, request_id, charged_usd, now_ms, [this, go, replan](bool reserved) {
    if (reserved) {
      wallet_reserved_ = true;
      return go();
    }
    wallet_refused_ = true;
    return replan();
  });
}

void RoutingTask::settle_record(billing::RequestRecord& r, const routing::Credential& served_by) const {
  r.wallet_reserved = wallet_reserved_;
  if (r.credential_id.empty() || served_by.owner_id.empty() || served_by.owner_id == r.owner_id) return;
  r.credential_owner_id = served_by.owner_id;
  if (r.ok) r.settlement = billing::settle(r.cost.effective, true);
}

billing::AttemptRecord RoutingTask::attempt_record(const AttemptInFlight& at, const Caller& caller, bool ok, int upstream_status,
                                                   const UpstreamError& e, int64_t now) {
  billing::AttemptRecord a;
  a.provider_id = at.target.offering.provider_id;
  a.credential_id = at.target.credential.id;
  a.model_id = at.target.offering.model_id;
  a.ok = ok;
  a.http_status = ok ? upstream_status : (e.http_status ? e.http_status : upstream_status);
  if (!ok) {
    a.error_class = error_class_name(e.error_class);
    const std::string& owner = at.target.credential.owner_id;
    a.error_message = !owner.empty() && owner != caller.owner_id ? client_view(e).message : e.message;
  }
  a.latency_ms = now - at.started_ms;
  a.first_byte_ms = at.first_byte_ms;
  a.started_at = at.started_ms;
  return a;
}

billing::RequestRecord RoutingTask::request_record(const std::string& request_id, const Caller& caller, std::string model_id,
                                                   const AttemptInFlight& at, bool attempted, int64_t created_ms,
                                                   int64_t now) const {
  billing::RequestRecord r;
  r.id = request_id;
  r.owner_id = caller.owner_id;
  r.api_key_id = caller.api_key_id;
  r.model_id = std::move(model_id);
  if (attempted) {
    r.provider_id = at.target.offering.provider_id;
    r.credential_id = at.target.credential.id;
  }
  r.cost.multiplier = at.target.credential.multiplier;
  r.latency_ms = now - created_ms;
  r.first_byte_ms = at.first_byte_ms >= 0 ? at.started_ms + at.first_byte_ms - created_ms : -1;
  r.created_at = created_ms;
  settle_record(r, at.target.credential);
  return r;
}

void RoutingTask::record_served(billing::RequestRecord& r, const AttemptInFlight& at, const Usage& usage,
                                const billing::Prices& reference, const Caller& caller,
                                const std::vector<billing::AttemptRecord>& attempts, std::vector<Statement>& writes) {
  r.ok = true;
  r.usage = usage;
  r.cost = billing::compute_cost(usage, at.target.offering.prices, reference, at.target.credential.multiplier);
  settle_record(r, at.target.credential);
  gw_.note_spend(at.target.credential, r.cost.effective);
  if (!caller.api_key_id.empty()) gw_.add_api_key_usage(caller.api_key_id, r.cost.effective);
  auto ledger = billing::ledger_statements(r, attempts);
  writes.insert(writes.end(), ledger.begin(), ledger.end());
}

ApiError RoutingTask::failure_error(const routing::FailureAnswer& answer, const std::vector<billing::AttemptRecord>& attempts) {
  const UpstreamError& e = answer.error;
  std::string trail;
  for (size_t i = 0; i < attempts.size(); ++i) {
    const auto& a = attempts[i];
    trail += (i ? "; " : "") + a.provider_id + " " + (a.http_status ? std::to_string(a.http_status) : std::string("-")) + " " + a.error_class;
  }
  ApiError err;
  err.status = answer.status;
  err.message = client_view(e).message + (attempts.size() > 1 || error_class_fails_over(e.error_class) ? " [attempts: " + trail + "]" : "");
  err.type = e.type.empty() ? "upstream_error" : e.type;
  err.code = e.code.empty() ? std::string(error_class_name(e.error_class)) : e.code;
  return err;
}

void RoutingTask::record_failed(billing::RequestRecord& r, const routing::FailureAnswer& answer,
                                const std::vector<billing::AttemptRecord>& attempts, std::vector<Statement>& writes) {
  r.ok = false;
  r.http_status = answer.status;
  r.error_class = error_class_name(answer.error.error_class);
  r.error_message = answer.error.message;
  auto ledger = billing::ledger_statements(r, attempts);
  writes.insert(writes.end(), ledger.begin(), ledger.end());
}

std::optional<ApiError> RoutingTask::unroutable(const std::string& requested, const Route& route, const Caller& caller,
                                                bool embedding) {
  const routing::ModelMatch& match = route.match;
  if (match.model_id.empty()) {
    if (!match.ambiguous.empty()) {
      std::string list;
      for (const auto& m : match.ambiguous) list += (list.empty() ? "" : ", ") + m;
      return ApiError::bad_request("Model '" + requested + "' is ambiguous; use one of: " + list + ".", "ambiguous_model", "model");
    }
    if (route.wrong_kind)
      return embedding ? ApiError::bad_request("The model '" + requested +
                                                   "' is not an embedding model; call POST /v1/chat/completions with it.",
                                               "model_not_embedding", "model")
                       : ApiError::bad_request("The model '" + requested + "' is an embedding model; call POST /v1/embeddings with it.",
                                               "model_not_chat", "model");
    return ApiError{404, std::string(embedding ? "The embedding model '" : "The model '") + requested + "' does not exist in the catalogue.",
                    "invalid_request_error", "model_not_found", "model"};
  }
  if (!caller.may_use(match.model_id))
    return ApiError::forbidden("This API key may not use the model '" + match.model_id + "'.", "model_not_allowed");
  return std::nullopt;
}

std::vector<PlannedAttempt> RoutingTask::plan_attempts(const routing::Ranking& ranking,
                                                       const std::function<bool(const routing::Candidate&)>& serves) {
  std::vector<PlannedAttempt> plan;
  for (const auto& c : ranking.candidates) {
    if (!serves || serves(c)) plan.push_back({*c.offering, *c.credential, c.expected_cost_usd, c.probe});
    else if (c.probe) gw_.health().release_probe(c.credential->id, c.offering->model_id);
  }
  if (plan.empty())
    for (const auto& c : ranking.cooling)
      if (!serves || serves(c)) {
        plan.push_back({*c.offering, *c.credential, c.expected_cost_usd, false});
        break;
      }
  return plan;
}

void RoutingTask::release_probes(std::vector<PlannedAttempt>& plan, size_t from) {
  for (size_t i = from; i < plan.size(); ++i)
    if (plan[i].probe) {
      gw_.health().release_probe(plan[i].credential.id, plan[i].offering.model_id);
      plan[i].probe = false;
    }
}

double RoutingTask::max_expected_cost(const std::vector<PlannedAttempt>& plan) {
  double expected_usd = 0;
  for (const auto& p : plan) expected_usd = std::max(expected_usd, p.expected_cost_usd);
  return expected_usd;
}

ApiError RoutingTask::nothing_to_try(const std::string& model_id, const routing::Ranking& ranking) const {
  if (wallet_refused_)
    return {402,
            "Your credit balance is used up, and none of your own credentials can serve '" + model_id +
                "'. Add credits, or add a credential of a provider that offers it.",
            "billing_error", "insufficient_credits", {}};
  std::string why;
  for (const auto& s : ranking.skipped)
    why += (why.empty() ? "" : "; ") + s.provider_id + (s.credential_id.empty() ? "" : "/" + s.credential_id) + ": " + s.reason;
  return {503, "No upstream can serve '" + model_id + "' right now (" + (why.empty() ? "no provider offers it" : why) + ").",
          "service_unavailable", "no_available_credential", {}};
}

void RoutingTask::apply_health_change(const std::string& owner_id, const std::string& credential_id, const std::string& model_id,
                                      routing::HealthChange change, const UpstreamError& e, int64_t now, double jitter,
                                      std::vector<Statement>& writes) {
  switch (change) {
    case routing::HealthChange::none:
      return;
    case routing::HealthChange::dead: {
      std::string reason = std::string(error_class_name(e.error_class)) + ": " + e.message.substr(0, 200);
      writes.push_back(store::credentials::mark_dead(owner_id, credential_id, reason, now));
      for (auto* list : {&gw_.owner(owner_id).credentials, &gw_.pool().credentials})
        for (auto& c : *list)
          if (c.id == credential_id) {
            c.dead = true;
            c.dead_reason = reason;
          }
      return;
    }
    case routing::HealthChange::cool_credential:
      gw_.health().failure(credential_id, routing::kAllModels, e, now, jitter, writes);
      return;
    case routing::HealthChange::cool_pair:
      gw_.health().failure(credential_id, model_id, e, now, jitter, writes);
      return;
    case routing::HealthChange::pair_works:
      gw_.health().success(credential_id, model_id, writes);
      return;
  }
}

Action RoutingTask::run_sql(std::vector<Statement> statements, std::function<Action(const SqlResult&)> k) {
  const bool reads_catalog = std::any_of(statements.begin(), statements.end(), store::catalog::reads_rows);
  if (gw_.seed_checked() || !reads_catalog) return Task::run_sql(std::move(statements), std::move(k));
  return ensure_catalog_seeded([this, statements = std::move(statements), k = std::move(k)]() mutable {
    return Task::run_sql(std::move(statements), std::move(k));
  });
}

Action RoutingTask::ensure_catalog_seeded(std::function<Action()> ready) {
  if (gw_.seed_checked()) return ready();
  return Task::run_sql({Gateway::seed_version_statement()}, [this, ready](const SqlResult& r) {
    if (!r.ok()) return reject(ApiError::internal("The gateway database is unavailable: " + r.error));
    if (!r.at(0).empty() && str_field(r.at(0)[0], "value") == gw_.seed_version()) {
      gw_.mark_seeded();
      return ready();
    }
    return Task::run_sql(gw_.seed_statements(now_ms_), [this, ready](const SqlResult& s) {
      if (!s.ok()) return reject(ApiError::internal("Could not load the model catalogue: " + s.error));
      gw_.mark_seeded();
      gw_.invalidate_offerings();
      return ready();
    });
  });
}

Action RoutingTask::load_routing_table(const std::string& owner_id, const std::string& requested, int64_t now_ms,
                                       std::function<Action()> ready, bool with_pool) {
  std::vector<Statement> batch;
  const bool load_owner = !gw_.owner_fresh(owner_id, now_ms);
  const bool load_pool = with_pool && !gw_.pool_fresh(now_ms);
  const bool load_offers = gw_.offerings(owner_id, requested, now_ms) == nullptr;
  if (load_owner)
    for (auto& s : Gateway::load_owner_statements(owner_id, now_ms)) batch.push_back(std::move(s));
  if (load_pool)
    for (auto& s : Gateway::load_pool_statements(now_ms)) batch.push_back(std::move(s));
  if (load_offers) batch.push_back(Gateway::load_offerings_statement(owner_id, requested));
  if (batch.empty()) return ready();  // warm path: no D1 round trip
  return run_sql(std::move(batch), [this, owner_id, requested, now_ms, load_owner, load_pool, load_offers, ready, with_pool](const SqlResult& r) {
    if (!r.ok()) return reject(ApiError::internal("The gateway database is unavailable: " + r.error));
    size_t i = 0;
    if (load_owner) {
      const Json& creds = r.at(i++);
      const Json& cools = r.at(i++);
      gw_.store_owner(owner_id, creds, cools, now_ms);
    }
    if (load_pool) {
      const Json& creds = r.at(i++);
      const Json& cools = r.at(i++);
      gw_.store_pool(creds, cools, now_ms);
    }
    if (load_offers) gw_.store_offerings(owner_id, requested, r.at(i++), now_ms);
    // The bounded cache may have dropped the entry while the owner was loading.
    else if (!gw_.offerings(owner_id, requested, now_ms)) return load_routing_table(owner_id, requested, now_ms, ready, with_pool);
    return load_owner ? reseal_legacy(owner_id, ready) : ready();
  });
}

Action RoutingTask::reseal_legacy(const std::string& owner_id, std::function<Action()> ready) {
  constexpr size_t kPerLoad = 8;
  std::vector<routing::Credential> legacy;
  for (const auto& c : gw_.owner(owner_id).credentials)
    if (!c.ciphertext.empty() && !sealed_with_aad(c.ciphertext) && legacy.size() < kPerLoad) legacy.push_back(c);
  if (legacy.empty()) return ready();
  Json items = Json::array();
  for (const auto& c : legacy) items.push_back({{"op", "reseal"}, {"ciphertext", c.ciphertext}, {"aad", credential_aad(c.owner_id, c.id)}});
  Action a = crypto_action(items);
  return then(std::move(a), [this, owner_id, legacy, ready](const Event& ev) {
    const Json* values = field(ev.head, "values");
    std::vector<Statement> writes;
    std::vector<std::pair<std::string, std::string>> sealed;  // id, new ciphertext
    for (size_t i = 0; i < legacy.size(); ++i) {
      const Json* v = values && values->is_array() && i < values->size() ? &(*values)[i] : nullptr;
      std::string ct = v ? str_field(*v, "ciphertext") : "";
      if (!sealed_with_aad(ct)) continue;  // does not open: left as it is, and fails when used
      // Only over the value it was made from: a concurrent write wins.
      writes.push_back(store::credentials::reseal(legacy[i].owner_id, legacy[i].id, ct, legacy[i].ciphertext));
      sealed.emplace_back(legacy[i].id, ct);
    }
    if (writes.empty()) return ready();
    return run_sql(std::move(writes), [this, owner_id, sealed, ready](const SqlResult& r) {
      if (!r.ok()) return ready();  // tried again at the next load
      for (size_t i = 0; i < sealed.size(); ++i) {
        if (r.at(i).empty()) continue;
        for (auto& c : gw_.owner(owner_id).credentials)
          if (c.id == sealed[i].first) c.ciphertext = sealed[i].second;
      }
      return ready();
    });
  });
}

void RoutingTask::route(const std::string& owner_id, const std::string& requested, const openai::ChatRequest& request,
                        int64_t now_ms, Route& out, bool explain_only, bool embedding, CredentialScope scope) {
  const Gateway::OfferingCache* cache = gw_.offerings(owner_id, requested, now_ms);
  static const std::vector<routing::Offering> kNone;
  const std::vector<routing::Offering>& all = cache ? cache->rows : kNone;
  std::vector<routing::Offering> rows;
  for (const auto& o : all)
    if (o.embedding == embedding) rows.push_back(o);
  out.match = routing::resolve_model(requested, rows);
  out.wrong_kind = out.match.model_id.empty() && out.match.ambiguous.empty() && !routing::resolve_model(requested, all).model_id.empty();
  out.offerings.clear();
  out.reference = {};
  if (out.match.model_id.empty()) return;
  for (const auto& o : rows)
    if (o.model_id == out.match.model_id) out.offerings.push_back(o);
  if (const catalog::ProviderDef* reference = gw_.price_reference())
    for (const auto& o : out.offerings)
      if (o.provider_id == reference->id) out.reference = o.prices;
  routing::RankInput in;
  in.offerings = &out.offerings;
  in.credentials = &gw_.owner(owner_id).credentials;
  if (scope == CredentialScope::pool) {
    in.shared = &gw_.pool().credentials;
    in.shared_skip_owner = owner_id;
  }
  in.preferences = &request.providers;
  in.prompt_tokens = billing::estimate_tokens_from_bytes(request.prompt_bytes);
  in.output_tokens = request.max_output_tokens.value_or(routing::kDefaultExpectedOutputTokens);
  in.rotation = explain_only ? 0 : gw_.next_rotation();
  in.now_ms = now_ms;
  in.claim_probes = !explain_only;
  out.ranking = routing::rank(in, gw_.health());
  if (scope == CredentialScope::pool) keep_affordable_foreign(owner_id, out.ranking);
}

void RoutingTask::keep_affordable_foreign(const std::string& owner_id, routing::Ranking& ranking) {
  auto covered = [&](const routing::Candidate& c) {
    const routing::Credential& k = *c.credential;
    return k.owner_id == owner_id || !k.quota || static_cast<double>(*k.quota) >= c.expected_cost_usd * 1e9;
  };
  for (auto* list : {&ranking.candidates, &ranking.cooling}) {
    std::vector<routing::Candidate> kept;
    for (const auto& c : *list) {
      if (covered(c)) kept.push_back(c);
      else if (c.probe) gw_.health().release_probe(c.credential->id, c.offering->model_id);
    }
    *list = std::move(kept);
  }
  // Another owner's credential is never named to the caller, only its provider.
  for (auto& skip : ranking.skipped) {
    bool own = skip.credential_id.empty();
    for (const auto& c : gw_.owner(owner_id).credentials) own = own || c.id == skip.credential_id;
    if (!own) {
      skip.credential_id = "shared";
      skip.detail.clear();
    }
  }
}

}  // namespace keyaos::api
