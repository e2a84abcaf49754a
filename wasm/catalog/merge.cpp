#include "catalog/merge.h"

#include <string_view>
#include <unordered_set>
#include <utility>

namespace keyaos::catalog {

SyncDecision decide_sync(const std::vector<std::string>& previously_active, bool list_ok,
                         std::vector<CatalogEntry> fresh) {
  SyncDecision decision;
  if (!list_ok) {
    decision.refused = true;
    decision.reason = "the model list could not be fetched or parsed; nothing changes";
    return decision;
  }

  // Views into the rows kept: upsert never reallocates (reserved), so they stay valid.
  std::unordered_set<std::string_view> fresh_ids;
  fresh_ids.reserve(fresh.size());
  decision.upsert.reserve(fresh.size());
  for (CatalogEntry& row : fresh) {
    if (row.model_id.empty() || fresh_ids.count(row.model_id)) continue;
    decision.upsert.push_back(std::move(row));
    fresh_ids.insert(decision.upsert.back().model_id);
  }
  if (decision.upsert.empty()) {
    decision.refused = true;
    decision.reason = "the model list is empty; nothing changes";
    return decision;
  }

  std::unordered_set<std::string_view> previous;
  previous.reserve(previously_active.size());
  std::vector<std::string> missing;
  for (const std::string& id : previously_active) {
    if (!previous.insert(id).second) continue;
    if (fresh_ids.count(id) == 0) missing.push_back(id);
  }
  // An upstream that suddenly lists far fewer models is more likely broken
  // (paging, an outage page, a partial answer) than retiring them.
  if (missing.size() * 2 > previous.size()) {
    decision.refused = true;
    decision.reason = std::to_string(missing.size()) + " of " + std::to_string(previous.size()) +
                      " active models would disappear (more than half); none is deactivated";
    return decision;
  }
  decision.deactivate = std::move(missing);
  return decision;
}

ReferenceMap make_reference_map(const std::vector<CatalogEntry>& rows) {
  ReferenceMap map;
  map.reserve(rows.size());
  for (const CatalogEntry& row : rows) map.emplace(row.model_id, row);
  return map;
}

namespace {

bool has_prices(const CatalogEntry& row) {
  return row.input_price_per_m.has_value() && row.output_price_per_m.has_value();
}

void fill_details(CatalogEntry& row, const CatalogEntry& reference) {
  if (row.name.empty()) row.name = reference.name;
  if (row.context_length == 0) row.context_length = reference.context_length;
  if (row.input_modalities.empty()) row.input_modalities = reference.input_modalities;
  if (row.output_modalities.empty()) row.output_modalities = reference.output_modalities;
  if (row.created_s == 0) row.created_s = reference.created_s;
  // The same canonical model is an embedding model everywhere, also where a list does not say so.
  if (reference.type == ModelType::embedding) row.type = ModelType::embedding;
}

void fill_prices(CatalogEntry& row, const CatalogEntry& reference) {
  if (!row.input_price_per_m && !row.output_price_per_m) {
    row.input_price_per_m = reference.input_price_per_m;
    row.output_price_per_m = reference.output_price_per_m;
    row.cache_read_price_per_m = reference.cache_read_price_per_m;
    row.cache_write_price_per_m = reference.cache_write_price_per_m;
    return;
  }
  if (!row.input_price_per_m) row.input_price_per_m = reference.input_price_per_m;
  if (!row.output_price_per_m) row.output_price_per_m = reference.output_price_per_m;
}

}  // namespace

FillReport fill_from_reference(std::vector<CatalogEntry>& rows, const std::vector<const ReferenceMap*>& references) {
  FillReport report;
  for (CatalogEntry& row : rows) {
    bool details_done = false;
    bool was_priced = has_prices(row);
    for (const ReferenceMap* reference : references) {
      if (reference == nullptr) continue;
      auto found = reference->find(row.model_id);
      if (found == reference->end()) continue;
      if (!details_done) {
        fill_details(row, found->second);
        details_done = true;
      }
      if (!has_prices(row) && has_prices(found->second)) fill_prices(row, found->second);
      if (has_prices(row)) break;
    }
    if (!was_priced && has_prices(row)) ++report.priced_from_reference;
    if (!has_prices(row)) report.unpriced.push_back(row.model_id);
  }
  return report;
}

}  // namespace keyaos::catalog
