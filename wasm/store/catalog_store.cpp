#include "store/catalog_store.h"

#include <iterator>

#include "core/text.h"
#include "store/sql.h"

namespace keyaos::store::catalog {
namespace {

using keyaos::catalog::CatalogEntry;

constexpr size_t kRowsPerStatement = 40;
constexpr size_t kIdsPerDeactivation = 400;  // keeps a statement far below D1's 100 KB

std::string modalities(const std::vector<std::string>& list) {
  Json arr = Json::array();
  for (const auto& m : list) arr.push_back(m);
  return dump_json(arr);
}

// One `(...)` VALUES tuple, in the column order of the INSERT below.
void append_row(std::string& sql, const std::string& catalog_owner, const CatalogEntry& e, std::string_view source, const std::string& now) {
  std::string model = ascii_lower(e.model_id);
  auto slash = model.find('/');
  const std::string values[] = {quote(catalog_owner), quote(e.provider_id), quote(model), quote(slash == std::string::npos ? model : model.substr(slash + 1)),
                                quote(e.upstream_model_id), quote(e.name), number_or_null(e.input_price_per_m),
                                number_or_null(e.output_price_per_m), number_or_null(e.cache_read_price_per_m),
                                number_or_null(e.cache_write_price_per_m),
                                e.context_length > 0 ? std::to_string(e.context_length) : std::string("NULL"),
                                quote(modalities(e.input_modalities)), quote(modalities(e.output_modalities)), quote(source),
                                "1", now, now, quote(keyaos::catalog::model_type_name(e.type))};
  sql.push_back('(');
  for (size_t i = 0; i < std::size(values); ++i) {
    if (i) sql.push_back(',');
    sql.append(values[i]);
  }
  sql.push_back(')');
}

}  // namespace

std::vector<Statement> upsert(const std::string& catalog_owner, const std::vector<CatalogEntry>& rows, std::string_view source,
                              int64_t now_ms) {
  const std::string head =
      "INSERT INTO catalog (owner_id, provider_id, model_id, model_suffix, upstream_model_id, name, input_price, output_price, "
      "cache_read_price, cache_write_price, context_length, input_modalities, output_modalities, source, is_active, "
      "created_at, refreshed_at, model_type) VALUES ";
  std::string tail =
      " ON CONFLICT (owner_id, provider_id, model_id) DO UPDATE SET upstream_model_id = excluded.upstream_model_id, "
      "name = excluded.name, input_price = excluded.input_price, output_price = excluded.output_price, "
      "cache_read_price = excluded.cache_read_price, cache_write_price = excluded.cache_write_price, "
      "context_length = excluded.context_length, input_modalities = excluded.input_modalities, "
      "output_modalities = excluded.output_modalities, source = excluded.source, is_active = 1, "
      "refreshed_at = excluded.refreshed_at, model_type = excluded.model_type";
  if (source == "snapshot") tail += " WHERE catalog.source = 'snapshot'";
  std::vector<Statement> out;
  const std::string now = std::to_string(now_ms);
  for (size_t i = 0; i < rows.size(); i += kRowsPerStatement) {
    Statement s = statement("catalog.upsert", head);
    for (size_t j = i; j < rows.size() && j < i + kRowsPerStatement; ++j) {
      if (j > i) s.sql += ",";
      append_row(s.sql, catalog_owner, rows[j], source, now);
    }
    s.sql += tail;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Statement> deactivate(const std::string& catalog_owner, const std::string& provider_id,
                                  const std::vector<std::string>& model_ids, int64_t now_ms) {
  std::vector<Statement> out;
  for (size_t i = 0; i < model_ids.size(); i += kIdsPerDeactivation)
    out.push_back(statement("catalog.deactivate", "UPDATE catalog SET is_active = 0, refreshed_at = " + std::to_string(now_ms) +
                                                      " WHERE owner_id = " + quote(catalog_owner) +
                                                      " AND provider_id = " + quote(provider_id) + " AND is_active = 1 AND model_id IN (" +
                                                      quoted_list(model_ids, i, kIdsPerDeactivation) + ")"));
  return out;
}

// The rows an owner sees: the shared ones and the owner's own.
constexpr const char* kVisible = "owner_id IN ('', ?1)";

Statement offerings(const std::string& owner_id, const std::string& model) {
  return statement("catalog.offerings",
                   std::string("SELECT provider_id, model_id, upstream_model_id, input_price, output_price, cache_read_price, "
                               "cache_write_price, model_type FROM catalog WHERE ") +
                       kVisible + " AND is_active = 1 AND (model_id = ?2 OR model_suffix = ?2)",
                   Json::array({owner_id, model}));
}

Statement active_models(const std::string& owner_id) {
  return statement("catalog.active_models",
                   std::string("SELECT provider_id, model_id, name, input_price, output_price, context_length, created_at, model_type "
                               "FROM catalog WHERE ") +
                       kVisible + " AND is_active = 1 ORDER BY model_id",
                   Json::array({owner_id}));
}

Statement browse(const std::string& owner_id, const std::string& provider_id, const std::string& model) {
  Statement s = statement("catalog.browse",
                          std::string("SELECT provider_id, model_id, upstream_model_id, name, input_price, output_price, cache_read_price, "
                                      "cache_write_price, context_length, input_modalities, output_modalities, is_active, source, "
                                      "refreshed_at, model_type FROM catalog WHERE ") +
                              kVisible,
                          Json::array({owner_id}));
  if (!provider_id.empty()) {
    s.params.push_back(provider_id);
    s.sql += " AND provider_id = ?" + std::to_string(s.params.size());
  }
  if (!model.empty()) {
    s.params.push_back(model);
    const std::string n = std::to_string(s.params.size());
    s.sql += " AND (model_id = ?" + n + " OR model_suffix = ?" + n + ")";
  }
  s.sql += " ORDER BY model_id, provider_id";
  return s;
}

Statement find_model(const std::string& owner_id, const std::string& model) {
  return statement("catalog.find_model",
                   std::string("SELECT DISTINCT model_id FROM catalog WHERE ") + kVisible +
                       " AND (model_id = ?2 OR model_suffix = ?2) LIMIT 2",
                   Json::array({owner_id, model}));
}

Statement active_counts(const std::string& owner_id) {
  return statement("catalog.active_counts",
                   std::string("SELECT provider_id, COUNT(*) AS n FROM catalog WHERE ") + kVisible +
                       " AND is_active = 1 GROUP BY provider_id",
                   Json::array({owner_id}));
}

Statement active_count(const std::string& catalog_owner, const std::string& provider_id) {
  return statement("catalog.active_count",
                   "SELECT COUNT(*) AS n FROM catalog WHERE owner_id = ? AND provider_id = ? AND is_active = 1",
                   Json::array({catalog_owner, provider_id}));
}

Statement active_ids(const std::string& catalog_owner, const std::string& provider_id) {
  // One string, not a row per model: far less JSON for the engine to read.
  return statement("catalog.active_ids",
                   "SELECT group_concat(model_id, char(10)) AS ids FROM catalog WHERE owner_id = ? AND provider_id = ? AND is_active = 1",
                   Json::array({catalog_owner, provider_id}));
}

Statement reference_prices(const std::string& reference_provider_id, const std::vector<std::string>& model_ids, size_t max_ids) {
  // Inlined: the list is longer than D1's 100 parameters.
  return statement("catalog.reference_prices",
                   "SELECT model_id, name, input_price, output_price, cache_read_price, cache_write_price, context_length, "
                   "input_modalities, output_modalities, model_type FROM catalog WHERE owner_id = '' AND provider_id = " + quote(reference_provider_id) +
                       " AND is_active = 1 AND model_id IN (" + quoted_list(model_ids, 0, max_ids) + ")");
}

Statement prune_custom(const std::string& owner_id, const std::string& provider_id, const std::vector<std::string>& keep_model_ids) {
  return statement("catalog.prune_custom", "DELETE FROM catalog WHERE owner_id = " + quote(owner_id) + " AND provider_id = " +
                                               quote(provider_id) + " AND model_id NOT IN (" + quoted_list(keep_model_ids) + ")");
}

Statement remove_deleted_custom(const std::string& owner_id, const std::string& provider_id) {
  return statement("catalog.remove_deleted_custom",
                   "DELETE FROM catalog WHERE owner_id = ?1 AND provider_id = ?2 AND NOT EXISTS "
                   "(SELECT 1 FROM custom_providers WHERE owner_id = ?1 AND id = ?2)",
                   Json::array({owner_id, provider_id}));
}

bool reads_rows(const Statement& s) {
  static const char* const kReads[] = {"catalog.offerings",    "catalog.active_models", "catalog.browse",
                                       "catalog.find_model",   "catalog.active_counts", "catalog.active_count",
                                       "catalog.active_ids",   "catalog.reference_prices"};
  for (const char* name : kReads)
    if (s.name == name) return true;
  return false;
}

Statement seed_version() { return statement("catalog.seed_version", "SELECT value FROM meta WHERE key = 'catalog_seed'"); }

Statement set_seed_version(const std::string& version) {
  return statement("catalog.set_seed_version",
                   "INSERT INTO meta (key, value) VALUES ('catalog_seed', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   Json::array({version}));
}

}  // namespace keyaos::store::catalog
