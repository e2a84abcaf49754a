#include "core/gateway.h"

#include <algorithm>

#include "catalog/providers_data.h"
#include "routing/ranking.h"
#include "store/sql.h"

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

std::string modalities_json(const std::vector<std::string>& list) {
  Json arr = Json::array();
  for (const auto& m : list) arr.push_back(m);
  return dump_json(arr);
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
  }
  next.routing_cache_ms = int_field(config, "routing_cache_ms", next.routing_cache_ms);

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
  config_ = std::move(next);
  owners_.clear();
  offerings_.clear();
  return {};
}

const catalog::ProviderDef* Gateway::provider(const std::string& id) const {
  for (const auto& p : providers_)
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
  Statement creds;
  creds.sql =
      "SELECT id, owner_id, provider_id, secret_hint, encrypted_secret, price_multiplier, quota_nusd, is_enabled, "
      "health, dead_reason FROM credentials WHERE owner_id = ?";
  creds.params = Json::array({owner_id});
  Statement cools;
  cools.sql =
      "SELECT c.credential_id, c.model_id, c.until_ms, c.failures, c.reason FROM cooldowns c "
      "JOIN credentials k ON k.id = c.credential_id WHERE k.owner_id = ? AND c.until_ms > ?";
  cools.params = Json::array({owner_id, now_ms - 10LL * 60 * 1000});
  return {creds, cools};
}

void Gateway::store_owner(const std::string& owner_id, const Json& credential_rows, const Json& cooldown_rows,
                          int64_t now_ms) {
  OwnerCache& cache = owners_[owner_id];
  cache.credentials.clear();
  for (const auto& r : credential_rows) {
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
    cache.credentials.push_back(std::move(c));
  }
  health_.load(cooldown_rows);
  cache.loaded_at = now_ms;
}

const Gateway::OfferingCache* Gateway::offerings(const std::string& requested, int64_t now_ms) const {
  auto it = offerings_.find(routing::lower(requested));
  if (it == offerings_.end() || now_ms - it->second.loaded_at >= config_.routing_cache_ms) return nullptr;
  return &it->second;
}

Statement Gateway::load_offerings_statement(const std::string& requested) {
  Statement s;
  s.sql =
      "SELECT provider_id, model_id, upstream_model_id, input_price, output_price, cache_read_price, cache_write_price "
      "FROM catalog WHERE is_active = 1 AND (model_id = ?1 OR model_suffix = ?1)";
  s.params = Json::array({routing::lower(requested)});
  return s;
}

void Gateway::store_offerings(const std::string& requested, const Json& rows, int64_t now_ms) {
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
    cache.rows.push_back(std::move(o));
  }
  // Prices a provider does not publish fall back to the reference (OpenRouter) price.
  for (auto& o : cache.rows) {
    if (o.prices.known()) continue;
    for (const auto& ref : cache.rows)
      if (ref.provider_id == "openrouter" && ref.model_id == o.model_id && ref.prices.known()) {
        if (!o.prices.input) o.prices.input = ref.prices.input;
        if (!o.prices.output) o.prices.output = ref.prices.output;
        if (!o.prices.cache_read) o.prices.cache_read = ref.prices.cache_read;
      }
  }
  offerings_[routing::lower(requested)] = std::move(cache);
}

Statement Gateway::seed_version_statement() {
  Statement s;
  s.sql = "SELECT value FROM meta WHERE key = 'catalog_seed'";
  return s;
}

std::vector<Statement> Gateway::seed_statements(int64_t now_ms) const {
  std::vector<Statement> out;
  const std::string head =
      "INSERT INTO catalog (provider_id, model_id, model_suffix, upstream_model_id, name, input_price, output_price, "
      "cache_read_price, cache_write_price, context_length, input_modalities, output_modalities, source, is_active, "
      "created_at, refreshed_at) VALUES ";
  // Synced rows are newer than the snapshot and are left alone.
  const std::string tail =
      " ON CONFLICT (provider_id, model_id) DO UPDATE SET upstream_model_id = excluded.upstream_model_id, "
      "name = excluded.name, input_price = excluded.input_price, output_price = excluded.output_price, "
      "cache_read_price = excluded.cache_read_price, cache_write_price = excluded.cache_write_price, "
      "context_length = excluded.context_length, input_modalities = excluded.input_modalities, "
      "output_modalities = excluded.output_modalities, is_active = 1, refreshed_at = excluded.refreshed_at "
      "WHERE catalog.source = 'snapshot'";
  std::string values;
  size_t rows = 0;
  auto flush = [&] {
    if (rows == 0) return;
    Statement s;
    s.sql = head + values + tail;
    out.push_back(std::move(s));
    values.clear();
    rows = 0;
  };
  const std::string now = std::to_string(now_ms);
  for (const auto& def : providers_) {
    for (const auto& e : def.models.entries) {
      std::string model = routing::lower(e.id);
      auto slash = model.find('/');
      std::string suffix = slash == std::string::npos ? model : model.substr(slash + 1);
      std::string upstream = catalog::to_upstream_model_id(def, e.id, e.upstream_id.value_or(""));
      if (rows) values += ",";
      values += "(" + store::quote(def.id) + "," + store::quote(model) + "," + store::quote(suffix) + "," +
                store::quote(upstream) + "," + store::quote(e.name) + "," + store::number_or_null(e.input_price_per_m) +
                "," + store::number_or_null(e.output_price_per_m) + "," + store::number_or_null(e.cache_read_price_per_m) +
                "," + store::number_or_null(e.cache_write_price_per_m) + "," +
                (e.context_length > 0 ? std::to_string(e.context_length) : std::string("NULL")) + "," +
                store::quote(modalities_json(e.input_modalities)) + "," + store::quote(modalities_json(e.output_modalities)) +
                ",'snapshot',1," + now + "," + now + ")";
      if (++rows == 40) flush();
    }
  }
  flush();
  Statement meta;
  meta.sql = "INSERT INTO meta (key, value) VALUES ('catalog_seed', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
  meta.params = Json::array({seed_version_});
  out.push_back(std::move(meta));
  return out;
}

}  // namespace keyaos
