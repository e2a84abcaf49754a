#include "api/routing_table.h"

#include "billing/cost.h"
#include "core/secrets.h"

namespace keyaos::api {

Action RoutingTask::ensure_catalog(int64_t now_ms, std::function<Action()> ready) {
  if (gw_.seed_checked()) return ready();
  return run_sql({Gateway::seed_version_statement()}, [this, now_ms, ready](const SqlResult& r) {
    if (!r.ok()) return reject(ApiError::internal("The gateway database is unavailable: " + r.error));
    if (!r.at(0).empty() && str_field(r.at(0)[0], "value") == gw_.seed_version()) {
      gw_.mark_seeded();
      return ready();
    }
    return run_sql(gw_.seed_statements(now_ms), [this, ready](const SqlResult& s) {
      if (!s.ok()) return reject(ApiError::internal("Could not load the model catalogue: " + s.error));
      gw_.mark_seeded();
      gw_.invalidate_offerings();
      return ready();
    });
  });
}

Action RoutingTask::load_routing_table(const std::string& owner_id, const std::string& requested, int64_t now_ms,
                                       std::function<Action()> ready) {
  return ensure_catalog(now_ms, [this, owner_id, requested, now_ms, ready]() {
    std::vector<Statement> batch;
    const bool load_owner = !gw_.owner_fresh(owner_id, now_ms);
    const bool load_offers = gw_.offerings(requested, now_ms) == nullptr;
    if (load_owner)
      for (auto& s : Gateway::load_owner_statements(owner_id, now_ms)) batch.push_back(std::move(s));
    if (load_offers) batch.push_back(Gateway::load_offerings_statement(requested));
    if (batch.empty()) return ready();  // warm path: no D1 round trip
    return run_sql(std::move(batch), [this, owner_id, requested, now_ms, load_owner, load_offers, ready](const SqlResult& r) {
      if (!r.ok()) return reject(ApiError::internal("The gateway database is unavailable: " + r.error));
      size_t i = 0;
      if (load_owner) {
        const Json& creds = r.at(i++);
        const Json& cools = r.at(i++);
        gw_.store_owner(owner_id, creds, cools, now_ms);
      }
      if (load_offers) gw_.store_offerings(requested, r.at(i++), now_ms);
      // The bounded cache may have dropped the entry while the owner was loading.
      else if (!gw_.offerings(requested, now_ms)) return load_routing_table(owner_id, requested, now_ms, ready);
      return load_owner ? reseal_legacy(owner_id, ready) : ready();
    });
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
  Action a;
  a.head = {{"type", "crypto"}, {"items", items}};
  return then(std::move(a), [this, owner_id, legacy, ready](const Event& ev) {
    const Json* values = field(ev.head, "values");
    std::vector<Statement> writes;
    std::vector<std::pair<std::string, std::string>> sealed;  // id, new ciphertext
    for (size_t i = 0; i < legacy.size(); ++i) {
      const Json* v = values && values->is_array() && i < values->size() ? &(*values)[i] : nullptr;
      std::string ct = v ? str_field(*v, "ciphertext") : "";
      if (!sealed_with_aad(ct)) continue;  // does not open: left as it is, and fails when used
      Statement s;
      // Only over the value it was made from: a concurrent write wins.
      s.sql = "UPDATE credentials SET encrypted_secret = ? WHERE id = ? AND owner_id = ? AND encrypted_secret = ? RETURNING id";
      s.params = Json::array({ct, legacy[i].id, legacy[i].owner_id, legacy[i].ciphertext});
      writes.push_back(std::move(s));
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
                        int64_t now_ms, Route& out, bool explain_only) {
  const Gateway::OfferingCache* cache = gw_.offerings(requested, now_ms);
  static const std::vector<routing::Offering> kNone;
  const std::vector<routing::Offering>& rows = cache ? cache->rows : kNone;
  out.match = routing::resolve_model(requested, rows);
  out.offerings.clear();
  out.reference = {};
  if (out.match.model_id.empty()) return;
  for (const auto& o : rows)
    if (o.model_id == out.match.model_id) out.offerings.push_back(o);
  for (const auto& o : out.offerings)
    if (o.provider_id == "openrouter") out.reference = o.prices;
  routing::RankInput in;
  in.offerings = &out.offerings;
  in.credentials = &gw_.owner(owner_id).credentials;
  in.preferences = &request.providers;
  in.prompt_tokens = billing::estimate_tokens_from_bytes(request.prompt_bytes);
  in.output_tokens = request.max_output_tokens.value_or(routing::kDefaultExpectedOutputTokens);
  in.rotation = explain_only ? 0 : gw_.next_rotation();
  in.now_ms = now_ms;
  in.claim_probes = !explain_only;
  out.ranking = routing::rank(in, gw_.health());
}

}  // namespace keyaos::api
