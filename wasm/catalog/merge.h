#pragma once
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/model_list.h"

namespace keyaos::catalog {

// What one model-list sync should change for a provider.
struct SyncDecision {
  std::vector<CatalogEntry> upsert;     // rows to insert or update (active)
  std::vector<std::string> deactivate;  // canonical ids to mark inactive
  // Deactivation was refused by the shrink guard; `reason` says why.
  bool refused = false;
  std::string reason;
};

// Decides a sync from the ids active before and the freshly parsed list.
// The shrink guard never deactivates anything when the fetch or parse failed
// (list_ok false), when the list is empty, or when more than half of the
// previously active models would disappear; a list that is merely short is
// still upserted. Fresh rows repeating a model id are dropped (first wins).
SyncDecision decide_sync(const std::vector<std::string>& previously_active, bool list_ok,
                         std::vector<CatalogEntry> fresh);

// Canonical id -> a row that prices it (OpenRouter's list, or a provider's
// own snapshot).
using ReferenceMap = std::unordered_map<std::string, CatalogEntry>;
ReferenceMap make_reference_map(const std::vector<CatalogEntry>& rows);

struct FillReport {
  size_t priced_from_reference = 0;  // rows whose prices came from a reference
  std::vector<std::string> unpriced;  // rows still without input or output price
};

// Completes rows from the references, the first reference knowing a model
// winning. A row with neither input nor output price takes the reference's
// four prices; a row missing just one takes just that one (its own prices
// are never replaced). Empty name, context length and modalities are filled
// the same way.
FillReport fill_from_reference(std::vector<CatalogEntry>& rows, const std::vector<const ReferenceMap*>& references);

}  // namespace keyaos::catalog
