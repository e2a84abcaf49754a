#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/model_list.h"
#include "core/io.h"

// The `catalog` table (built-in, synced and custom providers' rows) and the
// meta key of the shipped snapshot's version. The catalogue has no owner:
// a custom provider's rows are keyed by its id.
namespace keyaos::store::catalog {

// Upserts catalogue rows in statements of at most 40 rows, with values
// inlined (D1 binds at most 100 parameters per statement). `source` is
// 'snapshot', 'sync' or 'custom'; a snapshot never overwrites a row a sync wrote.
std::vector<Statement> upsert(const std::vector<keyaos::catalog::CatalogEntry>& rows, std::string_view source, int64_t now_ms);
// Deactivates a provider's models, in statements of at most 400 ids (D1's
// statement size), ids inlined.
std::vector<Statement> deactivate(const std::string& provider_id, const std::vector<std::string>& model_ids, int64_t now_ms);

// Active offerings whose canonical id or bare suffix is `model` (lower case), for routing.
Statement offerings(const std::string& model);
// Every active row, for /v1/models.
Statement active_models();
// Rows for /api/catalog, optionally of one provider and/or one model (id or suffix).
Statement browse(const std::string& provider_id, const std::string& model);
// Up to two distinct model ids matching a model id or suffix (an alias target).
Statement find_model(const std::string& model);
// Active model count per provider.
Statement active_counts();
Statement active_count(const std::string& provider_id);
// A provider's active model ids as one newline-separated `ids` column.
Statement active_ids(const std::string& provider_id);
// The reference provider's active rows of these models (at most `max_ids`), as price references.
Statement reference_prices(const std::string& reference_provider_id, const std::vector<std::string>& model_ids, size_t max_ids);
// A custom provider with a fixed list: its rows outside that list go.
Statement prune_custom(const std::string& provider_id, const std::vector<std::string>& keep_model_ids);
// A custom provider's rows, once no owner has a provider of that id.
Statement remove_unowned_custom(const std::string& provider_id);

// Whether a statement reads catalogue rows: the isolate seeds the catalogue
// before its first such read.
bool reads_rows(const Statement& s);

// The provider-definitions version whose snapshot is in D1 (meta 'catalog_seed').
Statement seed_version();
Statement set_seed_version(const std::string& version);

}  // namespace keyaos::store::catalog
