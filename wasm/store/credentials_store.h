#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/io.h"

// The `credentials` table. Every statement of one owner's credentials takes
// the owner and binds it; the cron's reads across owners say so in their name.
namespace keyaos::store::credentials {

// The management API's view of an owner's credentials (no secret), oldest first.
Statement list(const std::string& owner_id);
Statement get(const std::string& owner_id, const std::string& id);
// What routing needs of an owner's credentials, each with its custom provider's definition.
Statement load_for_routing(const std::string& owner_id);
// Platform mode: every owner's usable credentials, for the shared pool
// (at most `limit`, cheapest multiplier first). A multiplier above 1 stays
// out: a contributor may sell below the list price, never above it.
Statement load_pool(size_t limit);
// How many credentials of all owners are enabled and not dead.
Statement pool_healthy_count();
// Per provider, the lowest multiplier among every owner's credentials the
// shared pool may route to (store_pool's rule: enabled, alive, quota left,
// multiplier at most 1).
Statement pool_multipliers();
// Per provider, the lowest price multiplier among the owner's usable credentials.
Statement usable_multipliers(const std::string& owner_id);
// How many of the owner's credentials belong to a provider.
Statement count_for_provider(const std::string& owner_id, const std::string& provider_id);

struct NewCredential {
  std::string id;
  std::string provider_id;
  std::string label;  // empty: none
  std::string ciphertext;
  std::string secret_hash;
  std::string hint;
  double multiplier = 1.0;
  std::optional<int64_t> quota_nusd;
  std::optional<std::string> quota_source;  // 'auto' or 'manual'
  int64_t now_ms = 0;
};
Statement insert(const std::string& owner_id, const NewCredential& c);

// A PATCH: only the fields set change (updated_at always). Enabling also
// revives a dead credential. Returns the id when the row exists.
struct Changes {
  std::optional<double> multiplier;
  bool set_quota = false;
  std::optional<int64_t> quota_nusd;  // with set_quota: none = unlimited
  std::optional<bool> enabled;
  bool set_label = false;
  Json label;  // with set_label: a string or null
  int64_t now_ms = 0;
};
Statement update(const std::string& owner_id, const std::string& id, const Changes& changes);
Statement remove(const std::string& owner_id, const std::string& id);

// Re-sealed with the row's additional data, only over the ciphertext it was made from.
Statement reseal(const std::string& owner_id, const std::string& id, const std::string& ciphertext,
                 const std::string& previous_ciphertext);
// An upstream's verdict that the credential is dead.
Statement mark_dead(const std::string& owner_id, const std::string& id, const std::string& reason, int64_t now_ms);

// ---- the cron, across owners ------------------------------------------------
// Enabled credentials not dead, oldest first: model lists are fetched with them.
Statement all_owners_usable();
// Auto-quota credentials, those resting on an empty balance first, then least recently refreshed.
Statement all_owners_auto_quota(int64_t limit);
// Dead enabled credentials, least recently checked first.
Statement all_owners_dead(int64_t limit);
// What the cron learnt of one credential.
Statement set_auto_quota(const std::string& owner_id, const std::string& id, int64_t quota_nusd, int64_t now_ms);
Statement revive(const std::string& owner_id, const std::string& id, int64_t now_ms);
// Still dead: to the back of the queue.
Statement requeue_dead(const std::string& owner_id, const std::string& id, int64_t now_ms);
Statement set_dead_reason(const std::string& owner_id, const std::string& id, const std::string& reason, int64_t now_ms);

}  // namespace keyaos::store::credentials
