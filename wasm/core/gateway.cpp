#include "core/gateway.h"

#include <algorithm>

#include "catalog/custom_provider.h"
#include "catalog/providers_data.h"
#include "routing/ranking.h"
#include "catalog/merge.h"
#include "core/limits.h"
#include "store/catalog_store.h"
#include "store/credentials_store.h"
#include "store/health_store.h"

namespace keyaos {
namespace {

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::optional<double> optional_number(const Json& row, const char* key) {
  const Json* v = field(row, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}


routing::Credential credential_from_row(const Json& r) {
  routing::Credential c;
  c.id = str_field(r, "id");
  c.owner_id = str_field(r, "owner_id");
  c.provider_id = str_field(r, "provider_id");
  c.hint = str_field(r, "secret_hint");
  c.ciphertext = str_field(r, "encrypted_secret");
  c.multiplier = num_field(r, "price_multiplier", 1.0);
  if (const Json* q = field(r, "quota_nusd"); q && q->is_number()) c.quota = int_field(r, "quota_nusd");
  c.enabled = int_field(r, "is_enabled", 1) != 0;
  c.dead = str_field(r, "health") == "dead";
  c.dead_reason = str_field(r, "dead_reason");
  return c;
}

}  // namespace

std::string Gateway::configure(const Json& config) {
  Config next;
  next.admin_token = str_field(config, "admin_token");
  next.encryption_configured = bool_field(config, "encryption_configured");
  if (const Json* urls = field(config, "upstream_base_urls"); urls && urls->is_object()) {
    for (auto it = urls->begin(); it != urls->end(); ++it) {
      if (!it.value().is_string()) continue;
      std::string url = it.value().get<std::string>();
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (it.key() == "__invalid__") next.config_error = "UPSTREAM_BASE_URLS is not a JSON object";
      else next.upstream_base_urls[it.key()] = url;
    }
  }
  if (const Json* t = field(config, "timeouts"); t && t->is_object()) {
    next.timeouts.headers_ms = int_field(*t, "headers_ms", next.timeouts.headers_ms);
    next.timeouts.first_token_ms = int_field(*t, "first_token_ms", next.timeouts.first_token_ms);
    next.timeouts.idle_ms = int_field(*t, "idle_ms", next.timeouts.idle_ms);
    next.timeouts.keepalive_ms = int_field(*t, "keepalive_ms", next.timeouts.keepalive_ms);
  }
  next.routing_cache_ms = int_field(config, "routing_cache_ms", next.routing_cache_ms);
  if (double rate = num_field(config, "cny_usd_rate", 0); rate > 0) next.cny_usd_rate = rate;
  if (int64_t ms = int_field(config, "cooldown_ms", 0); ms > 0) next.health.cooldown_ms = ms;
  if (int64_t ms = int_field(config, "cooldown_max_ms", 0); ms > 0) next.health.cooldown_max_ms = ms;
  next.health.cooldown_max_ms = std::max(next.health.cooldown_max_ms, next.health.cooldown_ms);
  if (const Json* p = field(config, "platform"); p && p->is_object()) {
    std::string error;
    next.platform = platform::config_from(*p, error);
    if (!error.empty() && next.config_error.empty()) next.config_error = error;
  }
  if (const Json* s = field(config, "stripe"); s && s->is_object()) {
    next.stripe.secret_key_set = bool_field(*s, "secret_key_set");
    next.stripe.webhook_secret_set = bool_field(*s, "webhook_secret_set");
    std::string base = str_field(*s, "api_base_url");
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.empty()) next.stripe.api_base_url = base;
  }

  if (providers_.empty()) {
    uint64_t version = 1469598103934665603ULL;
    for (size_t i = 0; i < catalog::kProviderDefinitionCount; ++i) {
      catalog::ProviderDef def;
      std::string error;
      std::string_view text = catalog::kProviderDefinitions[i];
      if (!catalog::parse_provider(text, def, error)) return "provider definition " + std::to_string(i) + ": " + error;
      version = fnv1a(text, version);
      providers_.push_back(std::move(def));
    }
    char hex[17];
    static const char* digits = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) hex[i] = digits[(version >> (60 - 4 * i)) & 0xF];
    hex[16] = 0;
    seed_version_ = hex;
  }
  health_.set_schedule(next.health);
  config_ = std::move(next);
  owners_.clear();
  offerings_.clear();
  pool_ = {};
  jwks_.clear();
  return {};
}

const catalog::ProviderDef* Gateway::builtin_provider(const std::string& id) const {
  for (const auto& p : providers_)
    if (p.id == id) return &p;
  return nullptr;
}

const catalog::ProviderDef* Gateway::price_reference() const {
  for (const auto& p : providers_)
    if (p.price_reference) return &p;
  return nullptr;
}

const catalog::ProviderDef* Gateway::provider(const std::string& owner_id, const std::string& id) const {
  if (const catalog::ProviderDef* builtin = builtin_provider(id)) return builtin;
  auto owner = owners_.find(owner_id);
  if (owner == owners_.end()) return nullptr;
  for (const auto& p : owner->second.custom_providers)
    if (p.id == id) return &p;
  return nullptr;
}

std::string Gateway::base_url(const catalog::ProviderDef& def) const {
  auto it = config_.upstream_base_urls.find(def.id);
  return it != config_.upstream_base_urls.end() ? it->second : def.base_url;
}

bool Gateway::owner_fresh(const std::string& owner_id, int64_t now_ms) const {
  auto it = owners_.find(owner_id);
  return it != owners_.end() && it->second.loaded_at >= 0 && now_ms - it->second.loaded_at < config_.routing_cache_ms;
}

std::vector<Statement> Gateway::load_owner_statements(const std::string& owner_id, int64_t now_ms) {
  // Cooldowns that ended within ten minutes still carry their failure counts.
  return {store::credentials::load_for_routing(owner_id), store::health::owner_cooldowns(owner_id, now_ms - 10LL * 60 * 1000)};
}

void Gateway::forget_credential(const std::string& credential_id) {
  if (!oauth_.busy(credential_id)) oauth_.forget(credential_id);
  if (forgotten_.size() < 1024) forgotten_.push_back(credential_id);
}

std::vector<std::string> Gateway::take_forgotten() {
  std::vector<std::string> out;
  out.swap(forgotten_);
  return out;
}

// Credentials deleted or re-sealed elsewhere since the last load: their
// opened secrets are dropped here too.
void Gateway::forget_changed(const std::vector<routing::Credential>& cached, const Json& rows) {
  std::map<std::string, std::string> fresh;
  for (const auto& r : rows) fresh[str_field(r, "id")] = str_field(r, "encrypted_secret");
  for (const auto& old : cached) {
    auto it = fresh.find(old.id);
    if (it == fresh.end() || it->second != old.ciphertext) forget_credential(old.id);
  }
}

void Gateway::note_spend(const routing::Credential& served_by, int64_t nano_usd) {
  auto spend = [&](std::vector<routing::Credential>& list) {
    for (auto& c : list)
      if (c.id == served_by.id && c.quota) c.quota = std::max<int64_t>(*c.quota - nano_usd, 0);
  };
  if (auto owner = owners_.find(served_by.owner_id); owner != owners_.end()) spend(owner->second.credentials);
  spend(pool_.credentials);
}

void Gateway::store_owner(const std::string& owner_id, const Json& credential_rows, const Json& cooldown_rows,
                          int64_t now_ms) {
  // Bounded: in Platform mode every caller is an owner. The entries loaded
  // longest ago go first (they are the stalest anyway).
  if (owners_.size() >= limits::kMaxOwnerCacheEntries && owners_.find(owner_id) == owners_.end()) {
    auto oldest = owners_.begin();
    for (auto it = owners_.begin(); it != owners_.end(); ++it)
      if (it->second.loaded_at < oldest->second.loaded_at) oldest = it;
    owners_.erase(oldest);
  }
  OwnerCache& cache = owners_[owner_id];
  forget_changed(cache.credentials, credential_rows);
  cache.credentials.clear();
  cache.custom_providers.clear();
  for (const auto& r : credential_rows) {
    if (std::string text = str_field(r, "custom_definition"); !text.empty()) {
      catalog::CustomProvider custom;
      std::string error;
      const std::string id = str_field(r, "provider_id");
      bool known = std::any_of(cache.custom_providers.begin(), cache.custom_providers.end(),
                               [&](const catalog::ProviderDef& p) { return p.id == id; });
      if (!known && catalog::parse_custom_provider(text, custom, error))
        cache.custom_providers.push_back(catalog::custom_provider_def(custom));
    }
    cache.credentials.push_back(credential_from_row(r));
  }
  health_.load(cooldown_rows);
  cache.loaded_at = now_ms;
}

std::vector<Statement> Gateway::load_pool_statements(int64_t now_ms) {
  return {store::credentials::load_pool(limits::kMaxPoolCredentials), store::health::pool_cooldowns(now_ms - 10LL * 60 * 1000, 4 * limits::kMaxPoolCredentials)};
}

void Gateway::store_pool(const Json& credential_rows, const Json& cooldown_rows, int64_t now_ms) {
  forget_changed(pool_.credentials, credential_rows);
  pool_.credentials.clear();
  for (const auto& r : credential_rows)
    if (builtin_provider(str_field(r, "provider_id"))) pool_.credentials.push_back(credential_from_row(r));
  health_.load(cooldown_rows);
  pool_.loaded_at = now_ms;
}

namespace {
// Owner ids hold no newline (Clerk user ids, 'self').
std::string offerings_key(const std::string& owner_id, const std::string& requested) { return owner_id + "\n" + ascii_lower(requested); }
}  // namespace

const Gateway::OfferingCache* Gateway::offerings(const std::string& owner_id, const std::string& requested, int64_t now_ms) const {
  auto it = offerings_.find(offerings_key(owner_id, requested));
  if (it == offerings_.end() || now_ms - it->second.loaded_at >= config_.routing_cache_ms) return nullptr;
  return &it->second;
}

Statement Gateway::load_offerings_statement(const std::string& owner_id, const std::string& requested) {
  return store::catalog::offerings(owner_id, ascii_lower(requested));
}

void Gateway::store_offerings(const std::string& owner_id, const std::string& requested, const Json& rows, int64_t now_ms) {
  OfferingCache cache;
  cache.loaded_at = now_ms;
  for (const auto& r : rows) {
    routing::Offering o;
    o.provider_id = str_field(r, "provider_id");
    o.model_id = str_field(r, "model_id");
    o.upstream_model_id = str_field(r, "upstream_model_id");
    o.prices.input = optional_number(r, "input_price");
    o.prices.output = optional_number(r, "output_price");
    o.prices.cache_read = optional_number(r, "cache_read_price");
    o.prices.cache_write = optional_number(r, "cache_write_price");
    o.embedding = str_field(r, "model_type") == "embedding";
    cache.rows.push_back(std::move(o));
  }
  std::string key = offerings_key(owner_id, requested);
  // Bounded: every distinct model name a client sends would otherwise stay.
  if (offerings_.size() >= limits::kMaxOfferingCacheEntries && offerings_.find(key) == offerings_.end()) {
    for (auto it = offerings_.begin(); it != offerings_.end();) {
      bool stale = it->second.rows.empty() || now_ms - it->second.loaded_at >= config_.routing_cache_ms;
      it = stale ? offerings_.erase(it) : std::next(it);
    }
    if (offerings_.size() >= limits::kMaxOfferingCacheEntries) offerings_.clear();
  }
  offerings_[std::move(key)] = std::move(cache);
}

const Gateway::ApiKey* Gateway::api_key(const std::string& key_hash, int64_t now_ms) const {
  auto it = api_keys_.find(key_hash);
  if (it == api_keys_.end() || now_ms - it->second.loaded_at >= config_.routing_cache_ms) return nullptr;
  return &it->second;
}

void Gateway::store_api_key(const std::string& key_hash, const Json& row, int64_t now_ms) {
  ApiKey key;
  key.loaded_at = now_ms;
  key.found = row.is_object();
  if (key.found) {
    key.id = str_field(row, "id");
    key.owner_id = str_field(row, "owner_id");
    key.enabled = int_field(row, "is_enabled", 1) != 0;
    if (const Json* v = field(row, "expires_at"); v && v->is_number()) key.expires_at = int_field(row, "expires_at");
    if (const Json* v = field(row, "quota_nusd"); v && v->is_number()) key.quota = int_field(row, "quota_nusd");
    key.used = int_field(row, "used_nusd");
    for (const char* name : {"allowed_models", "allowed_ips"}) {
      Json list = parse_json(str_field(row, name));
      auto& out = std::string(name) == "allowed_models" ? key.allowed_models : key.allowed_ips;
      if (list.is_array())
        for (const auto& item : list)
          if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  // Bounded: a flood of random keys cannot grow memory.
  if (api_keys_.size() >= limits::kMaxApiKeyCacheEntries && api_keys_.find(key_hash) == api_keys_.end()) api_keys_.clear();
  api_keys_[key_hash] = std::move(key);
}

void Gateway::add_api_key_usage(const std::string& api_key_id, int64_t nano_usd) {
  for (auto& [hash, key] : api_keys_)
    if (key.id == api_key_id) key.used += nano_usd;
}

void Gateway::set_api_key_used(const std::string& api_key_id, int64_t nano_usd) {
  for (auto& [hash, key] : api_keys_)
    if (key.id == api_key_id) key.used = nano_usd;
}

Statement Gateway::seed_version_statement() { return store::catalog::seed_version(); }

std::vector<Statement> Gateway::seed_statements(int64_t now_ms) const {
  // Prices a provider does not publish are filled here, once, from the
  // reference provider's list, so routing and listing read priced rows only.
  std::vector<catalog::CatalogEntry> reference_rows;
  if (const catalog::ProviderDef* reference = price_reference()) reference_rows = catalog::catalog_from_definition(*reference);
  const catalog::ReferenceMap reference = catalog::make_reference_map(reference_rows);
  std::vector<catalog::CatalogEntry> rows;
  for (const auto& def : providers_) {
    std::vector<catalog::CatalogEntry> own = catalog::catalog_from_definition(def);
    catalog::fill_from_reference(own, {&reference});
    rows.insert(rows.end(), own.begin(), own.end());
  }
  std::vector<Statement> out = store::catalog::upsert(store::catalog::kShared, rows, "snapshot", now_ms);
  out.push_back(store::catalog::set_seed_version(seed_version_));
  return out;
}

}  // namespace keyaos
