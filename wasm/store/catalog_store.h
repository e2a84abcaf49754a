#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/model_list.h"
#include "core/io.h"

// The `catalog` table (built-in, synced and custom providers' rows) and the
// meta key of the shipped snapshot's version. Every row has a catalogue
// owner: kShared ('') for built-in providers' rows, which everyone sees, and
// the owner's id for a custom provider's, which only that owner sees (two
// owners may both have a provider 'mine'). Reads on behalf of an owner see
// the shared rows and that owner's.
namespace keyaos::store::catalog {

inline const std::string kShared;

// Upserts catalogue rows in statements of at most 40 rows, with values
// inlined (D1 binds at most 100 parameters per statement). `source` is
// 'snapshot', 'sync' or 'custom'; a snapshot never overwrites a row a sync wrote.
std::vector<Statement> upsert(const std::string& catalog_owner, const std::vector<keyaos::catalog::CatalogEntry>& rows,
                              std::string_view source, int64_t now_ms);
// Deactivates a provider's models, in statements of at most 400 ids (D1's
// statement size), ids inlined.
std::vector<Statement> deactivate(const std::string& catalog_owner, const std::string& provider_id,
                                  const std::vector<std::string>& model_ids, int64_t now_ms);

// Active offerings whose canonical id or bare suffix is `model` (lower case), for routing.
Statement offerings(const std::string& owner_id, const std::string& model);
// Every active row the owner sees, for /v1/models.
Statement active_models(const std::string& owner_id);
// Rows for /api/catalog, optionally of one provider and/or one model (id or suffix).
Statement browse(const std::string& owner_id, const std::string& provider_id, const std::string& model);
// Up to two distinct model ids matching a model id or suffix (an alias target).
Statement find_model(const std::string& owner_id, const std::string& model);
// Active model count per provider the owner sees.
Statement active_counts(const std::string& owner_id);
Statement active_count(const std::string& catalog_owner, const std::string& provider_id);
// A provider's active model ids as one newline-separated `ids` column.
Statement active_ids(const std::string& catalog_owner, const std::string& provider_id);
// The reference provider's active rows of these models (at most `max_ids`), as price references.
Statement reference_prices(const std::string& reference_provider_id, const std::vector<std::string>& model_ids, size_t max_ids);
// An owner's custom provider with a fixed list: its rows outside that list go.
Statement prune_custom(const std::string& owner_id, const std::string& provider_id, const std::vector<std::string>& keep_model_ids);
// An owner's custom provider's rows, once the owner no longer has that provider.
Statement remove_deleted_custom(const std::string& owner_id, const std::string& provider_id);

// Whether a statement reads catalogue rows: the isolate seeds the catalogue
// before its first such read.
bool reads_rows(const Statement& s);

// The provider-definitions version whose snapshot is in D1 (meta 'catalog_seed').
Statement seed_version();
Statement set_seed_version(const std::string& version);

}  // namespace keyaos::store::catalog
