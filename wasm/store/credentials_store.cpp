#include "store/credentials_store.h"

#include "store/sql.h"

namespace keyaos::store::credentials {
namespace {

const char* kShownColumns =
    "SELECT id, provider_id, label, secret_hint, price_multiplier, quota_nusd, quota_source, is_enabled, health, "
    "dead_reason, spent_nusd, request_count, created_at, updated_at FROM credentials";

// What routing reads of a credential (the owner's and the shared pool's alike).
const char* kRoutingColumns =
    "SELECT id, owner_id, provider_id, secret_hint, encrypted_secret, price_multiplier, quota_nusd, is_enabled, health, dead_reason";

// A custom provider's definition travels with its credentials, so it is cached with them.
const char* kCustomDefinitionColumn =
    ", (SELECT p.definition FROM custom_providers p WHERE p.owner_id = credentials.owner_id AND p.id = credentials.provider_id) "
    "AS custom_definition";

const char* kCronColumns = "SELECT id, owner_id, provider_id, encrypted_secret FROM credentials";

Json optional_json(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

Statement list(const std::string& owner_id) {
  return statement("credentials.list", std::string(kShownColumns) + " WHERE owner_id = ? ORDER BY created_at", Json::array({owner_id}));
}

Statement get(const std::string& owner_id, const std::string& id) {
  return statement("credentials.get", std::string(kShownColumns) + " WHERE owner_id = ? AND id = ?", Json::array({owner_id, id}));
}

Statement load_for_routing(const std::string& owner_id) {
  return statement("credentials.load_for_routing", std::string(kRoutingColumns) + kCustomDefinitionColumn + " FROM credentials WHERE owner_id = ?",
                   Json::array({owner_id}));
}

Statement load_pool(size_t limit) {
  return statement("credentials.load_pool",
                   std::string(kRoutingColumns) + " FROM credentials WHERE is_enabled = 1 AND health != 'dead' AND "
                   "(quota_nusd IS NULL OR quota_nusd > 0) AND price_multiplier <= 1.0 ORDER BY price_multiplier, created_at LIMIT ?",
                   Json::array({static_cast<int64_t>(limit)}));
}

Statement pool_multipliers() {
  return statement("credentials.pool_multipliers",
                   "SELECT provider_id, MIN(price_multiplier) AS multiplier FROM credentials WHERE is_enabled = 1 AND "
                   "health != 'dead' AND (quota_nusd IS NULL OR quota_nusd > 0) AND price_multiplier <= 1.0 GROUP BY provider_id");
}

Statement pool_healthy_count() {
  return statement("credentials.pool_healthy_count",
                   "SELECT COUNT(*) AS n FROM credentials WHERE is_enabled = 1 AND health != 'dead'");
}

Statement usable_multipliers(const std::string& owner_id) {
  return statement("credentials.usable_multipliers",
                   "SELECT provider_id, MIN(price_multiplier) AS multiplier FROM credentials WHERE owner_id = ? AND "
                   "is_enabled = 1 AND health != 'dead' AND (quota_nusd IS NULL OR quota_nusd > 0) GROUP BY provider_id",
                   Json::array({owner_id}));
}

Statement count_for_provider(const std::string& owner_id, const std::string& provider_id) {
  return statement("credentials.count_for_provider", "SELECT COUNT(*) AS n FROM credentials WHERE owner_id = ? AND provider_id = ?",
                   Json::array({owner_id, provider_id}));
}

Statement insert(const std::string& owner_id, const NewCredential& c) {
  return statement("credentials.insert",
                   "INSERT INTO credentials (id, owner_id, provider_id, label, encrypted_secret, secret_hash, secret_hint, "
                   "price_multiplier, quota_nusd, quota_source, is_enabled, health, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'ok', ?, ?)",
                   Json::array({c.id, owner_id, c.provider_id, c.label.empty() ? Json(nullptr) : Json(c.label), c.ciphertext,
                                c.secret_hash, c.hint, c.multiplier, optional_json(c.quota_nusd),
                                c.quota_source ? Json(*c.quota_source) : Json(nullptr), c.now_ms, c.now_ms}));
}

Statement update(const std::string& owner_id, const std::string& id, const Changes& changes) {
  Statement s = statement("credentials.update", "UPDATE credentials SET updated_at = ?", Json::array({changes.now_ms}));
  if (changes.multiplier) {
    s.sql += ", price_multiplier = ?";
    s.params.push_back(*changes.multiplier);
  }
  if (changes.set_quota) {
    s.sql += ", quota_nusd = ?, quota_source = ?";
    s.params.push_back(optional_json(changes.quota_nusd));
    s.params.push_back(changes.quota_nusd ? Json("manual") : Json(nullptr));
  }
  if (changes.enabled) s.sql += *changes.enabled ? ", is_enabled = 1, health = 'ok', dead_reason = NULL" : ", is_enabled = 0";
  if (changes.set_label) {
    s.sql += ", label = ?";
    s.params.push_back(changes.label);
  }
  s.sql += " WHERE owner_id = ? AND id = ? RETURNING id";
  s.params.push_back(owner_id);
  s.params.push_back(id);
  return s;
}

Statement remove(const std::string& owner_id, const std::string& id) {
  return statement("credentials.remove", "DELETE FROM credentials WHERE owner_id = ? AND id = ? RETURNING id", Json::array({owner_id, id}));
}

Statement reseal(const std::string& owner_id, const std::string& id, const std::string& ciphertext,
                 const std::string& previous_ciphertext) {
  return statement("credentials.reseal",
                   "UPDATE credentials SET encrypted_secret = ? WHERE id = ? AND owner_id = ? AND encrypted_secret = ? RETURNING id",
                   Json::array({ciphertext, id, owner_id, previous_ciphertext}));
}

Statement mark_dead(const std::string& owner_id, const std::string& id, const std::string& reason, int64_t now_ms) {
  return statement("credentials.mark_dead",
                   "UPDATE credentials SET health = 'dead', dead_reason = ?, updated_at = ? WHERE id = ? AND owner_id = ?",
                   Json::array({reason, now_ms, id, owner_id}));
}

Statement all_owners_usable() {
  return statement("credentials.all_owners_usable",
                   std::string(kCronColumns) + " WHERE is_enabled = 1 AND health != 'dead' ORDER BY created_at");
}

Statement all_owners_auto_quota(int64_t limit) {
  return statement("credentials.all_owners_auto_quota",
                   std::string(kCronColumns) +
                       " WHERE quota_source = 'auto' AND is_enabled = 1 "
                       "ORDER BY EXISTS (SELECT 1 FROM cooldowns c WHERE c.credential_id = credentials.id AND c.model_id = '*') "
                       "DESC, updated_at LIMIT ?",
                   Json::array({limit}));
}

Statement all_owners_dead(int64_t limit) {
  return statement("credentials.all_owners_dead",
                   std::string(kCronColumns) + " WHERE health = 'dead' AND is_enabled = 1 ORDER BY updated_at LIMIT ?",
                   Json::array({limit}));
}

Statement set_auto_quota(const std::string& owner_id, const std::string& id, int64_t quota_nusd, int64_t now_ms) {
  return statement("credentials.set_auto_quota",
                   "UPDATE credentials SET quota_nusd = ?, updated_at = ? WHERE id = ? AND owner_id = ? AND quota_source = 'auto'",
                   Json::array({quota_nusd, now_ms, id, owner_id}));
}

Statement revive(const std::string& owner_id, const std::string& id, int64_t now_ms) {
  return statement("credentials.revive",
                   "UPDATE credentials SET health = 'ok', dead_reason = NULL, updated_at = ? WHERE id = ? AND owner_id = ? "
                   "AND health = 'dead'",
                   Json::array({now_ms, id, owner_id}));
}

Statement requeue_dead(const std::string& owner_id, const std::string& id, int64_t now_ms) {
  return statement("credentials.requeue_dead",
                   "UPDATE credentials SET updated_at = ? WHERE id = ? AND owner_id = ? AND health = 'dead'",
                   Json::array({now_ms, id, owner_id}));
}

Statement set_dead_reason(const std::string& owner_id, const std::string& id, const std::string& reason, int64_t now_ms) {
  return statement("credentials.set_dead_reason",
                   "UPDATE credentials SET dead_reason = ?, updated_at = ? WHERE id = ? AND owner_id = ? AND health = 'dead'",
                   Json::array({reason, now_ms, id, owner_id}));
}

}  // namespace keyaos::store::credentials
