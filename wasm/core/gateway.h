#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/provider.h"
#include "core/io.h"
#include "core/oauth_cache.h"
#include "platform/config.h"
#include "platform/session.h"
#include "routing/health.h"
#include "routing/types.h"

namespace keyaos {

// Owner of everything in Core mode; Platform mode maps accounts to owners.
inline constexpr const char* kCoreOwner = "self";

struct Timeouts {
  int64_t headers_ms = 30000;      // upstream response headers
  int64_t first_token_ms = 60000;  // first content event of a stream
  int64_t idle_ms = 60000;         // gap between chunks
  // A committed stream in the Anthropic or Responses API gets a keepalive
  // frame (`ping`) when nothing was written to the client for this long.
  int64_t keepalive_ms = 15000;
};

// Payments (Platform mode): the host says whether STRIPE_SECRET_KEY and
// STRIPE_WEBHOOK_SECRET are set, never their values; the host adds the key to
// Stripe calls (fetch secret_ref "stripe") and signs webhooks' HMAC itself
// (crypto hmac_sha256 key_ref "stripe_webhook").
struct StripeConfig {
  bool secret_key_set = false;
  bool webhook_secret_set = false;
  std::string api_base_url = "https://api.stripe.com";  // STRIPE_API_BASE_URL, for local mocks
  // Buying needs both: a checkout whose webhook cannot be verified would take
  // money that is never credited.
  bool payments_ready() const { return secret_key_set && webhook_secret_set; }
};

struct Config {
  std::string admin_token;
  bool encryption_configured = false;
  std::map<std::string, std::string> upstream_base_urls;  // provider id (or "<id>:oauth") -> base URL
  std::string config_error;
  Timeouts timeouts;
  int64_t routing_cache_ms = 30000;
  double cny_usd_rate = 7.2;  // CNY_USD_RATE: CNY balances (DeepSeek) -> USD quota
  routing::HealthBook::Schedule health;  // UPSTREAM_COOLDOWN_MS, UPSTREAM_COOLDOWN_MAX_MS
  platform::Config platform;            // accounts and the shared pool; off in Core mode
  StripeConfig stripe;                  // buying credits; only in Platform mode
};

// Isolate-wide state shared by all requests: configuration, provider
// definitions and the routing table cache (credentials, offerings, health).
class Gateway {
 public:
  std::string configure(const Json& config);

  const Config& config() const { return config_; }
  // A built-in provider, else the owner's custom one (when its cache is loaded):
  // two owners' custom providers may share an id.
  const catalog::ProviderDef* provider(const std::string& owner_id, const std::string& id) const;
  const catalog::ProviderDef* builtin_provider(const std::string& id) const;
  // The built-in provider whose prices are the reference (catalog::ProviderDef::price_reference), or nullptr.
  const catalog::ProviderDef* price_reference() const;
  const std::vector<catalog::ProviderDef>& providers() const { return providers_; }
  // Base URL after UPSTREAM_BASE_URLS overrides.
  std::string base_url(const catalog::ProviderDef& def) const;

  // Credentials of an owner, cached for routing_cache_ms.
  struct OwnerCache {
    std::vector<routing::Credential> credentials;
    // The owner's custom providers that have a credential, read with it.
    std::vector<catalog::ProviderDef> custom_providers;
    int64_t loaded_at = -1;
  };
  OwnerCache& owner(const std::string& owner_id) { return owners_[owner_id]; }
  bool owner_fresh(const std::string& owner_id, int64_t now_ms) const;
  // The pool holds the owner's credentials too, so it is reloaded with them.
  void invalidate_owner(const std::string& owner_id) {
    owners_[owner_id].loaded_at = -1;
    pool_.loaded_at = -1;
  }
  static std::vector<Statement> load_owner_statements(const std::string& owner_id, int64_t now_ms);
  void store_owner(const std::string& owner_id, const Json& credential_rows, const Json& cooldown_rows, int64_t now_ms);

  // Platform mode: every owner's usable credentials of built-in providers
  // (custom providers never join the pool: their owner controls what such an
  // upstream answers, and so what others would pay). Cached like an owner's.
  struct PoolCache {
    std::vector<routing::Credential> credentials;
    int64_t loaded_at = -1;
  };
  const PoolCache& pool() const { return pool_; }
  PoolCache& pool() { return pool_; }
  bool pool_fresh(int64_t now_ms) const { return pool_.loaded_at >= 0 && now_ms - pool_.loaded_at < config_.routing_cache_ms; }
  static std::vector<Statement> load_pool_statements(int64_t now_ms);
  void store_pool(const Json& credential_rows, const Json& cooldown_rows, int64_t now_ms);
  // A billed request lowers its credential's cached quota where it is cached:
  // its owner's cache and the pool.
  void note_spend(const routing::Credential& served_by, int64_t nano_usd);

  // Offerings whose canonical id or bare suffix equals `requested`, among
  // the catalogue rows the owner sees (built-in providers' and the owner's).
  struct OfferingCache {
    std::vector<routing::Offering> rows;
    int64_t loaded_at = -1;
  };
  const OfferingCache* offerings(const std::string& owner_id, const std::string& requested, int64_t now_ms) const;
  size_t offerings_cached() const { return offerings_.size(); }
  size_t api_keys_cached() const { return api_keys_.size(); }
  static Statement load_offerings_statement(const std::string& owner_id, const std::string& requested);
  void store_offerings(const std::string& owner_id, const std::string& requested, const Json& rows, int64_t now_ms);
  void invalidate_offerings() { offerings_.clear(); }

  // The catalogue snapshot shipped in the provider definitions is written to
  // D1 once per definitions version, so a fresh instance can route offline.
  bool seed_checked() const { return seed_checked_; }
  const std::string& seed_version() const { return seed_version_; }
  static Statement seed_version_statement();
  std::vector<Statement> seed_statements(int64_t now_ms) const;
  void mark_seeded() { seed_checked_ = true; }

  // API keys by SHA-256 of the key, cached like credentials.
  struct ApiKey {
    std::string id;
    std::string owner_id;
    bool enabled = true;
    std::optional<int64_t> expires_at;
    std::optional<int64_t> quota;  // nano-USD
    int64_t used = 0;              // nano-USD
    std::vector<std::string> allowed_models;
    std::vector<std::string> allowed_ips;
    int64_t loaded_at = -1;
    bool found = false;  // a miss is cached too, so unknown keys cost no D1 read
  };
  const ApiKey* api_key(const std::string& key_hash, int64_t now_ms) const;
  void store_api_key(const std::string& key_hash, const Json& row, int64_t now_ms);
  void add_api_key_usage(const std::string& api_key_id, int64_t nano_usd);
  void set_api_key_used(const std::string& api_key_id, int64_t nano_usd);
  void invalidate_api_keys() { api_keys_.clear(); }

  // An owner's model aliases (client model name, lower case → catalogue
  // model), from `settings`, cached like credentials.
  struct ModelAliases {
    std::map<std::string, std::string> by_name;
    int64_t loaded_at = -1;
  };
  const ModelAliases* model_aliases(const std::string& owner_id, int64_t now_ms) const {
    auto it = model_aliases_.find(owner_id);
    if (it == model_aliases_.end() || it->second.loaded_at < 0 || now_ms - it->second.loaded_at >= config_.routing_cache_ms) return nullptr;
    return &it->second;
  }
  void store_model_aliases(const std::string& owner_id, ModelAliases aliases) { model_aliases_[owner_id] = std::move(aliases); }
  void invalidate_model_aliases(const std::string& owner_id) { model_aliases_.erase(owner_id); }

  routing::HealthBook& health() { return health_; }

  // ---- OAuth credentials (google_oauth, kiro_oauth) -------------------------
  // Opened credentials with their access tokens, and the refresh in flight.
  OAuthCache& oauth() { return oauth_; }
  // Drops what this isolate holds of a credential's secret (its opened OAuth
  // state here, the host's plaintext cache through forget_secrets).
  void forget_credential(const std::string& credential_id);
  // Credential ids whose cached secrets the host must drop; cleared by the call.
  std::vector<std::string> take_forgotten();
  bool has_forgotten() const { return !forgotten_.empty(); }
  // ---------------------------------------------------------------------------

  // Clerk's signing keys (Platform mode).
  platform::JwksCache& jwks() { return jwks_; }

  uint64_t next_rotation() { return rotation_++; }

  // The D1 schema was found current once; a failed check is not remembered,
  // so applying the migrations takes effect without a restart.
  bool schema_ok() const { return schema_ok_; }
  void mark_schema_ok() { schema_ok_ = true; }

 private:
  Config config_;
  std::vector<catalog::ProviderDef> providers_;
  std::map<std::string, OwnerCache> owners_;
  PoolCache pool_;
  platform::JwksCache jwks_;
  std::map<std::string, OfferingCache> offerings_;
  std::map<std::string, ApiKey> api_keys_;
  std::map<std::string, ModelAliases> model_aliases_;
  routing::HealthBook health_;
  OAuthCache oauth_;  // OAuth credentials: see oauth()
  std::vector<std::string> forgotten_;  // for the host, see take_forgotten()
  void forget_changed(const std::vector<routing::Credential>& cached, const Json& rows);
  uint64_t rotation_ = 0;
  bool seed_checked_ = false;
  bool schema_ok_ = false;
  std::string seed_version_;
};

}  // namespace keyaos
