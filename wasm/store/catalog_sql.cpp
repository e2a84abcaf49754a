#include "store/catalog_sql.h"

#include <iterator>

#include "core/text.h"
#include "store/sql.h"

namespace keyaos::store {
namespace {

constexpr size_t kRowsPerStatement = 40;

std::string modalities(const std::vector<std::string>& list) {
  Json arr = Json::array();
  for (const auto& m : list) arr.push_back(m);
  return dump_json(arr);
}

// One `(...)` VALUES tuple, in the column order of the INSERT below.
void append_row(std::string& sql, const catalog::CatalogEntry& e, std::string_view source, const std::string& now) {
  std::string model = ascii_lower(e.model_id);
  auto slash = model.find('/');
  const std::string values[] = {quote(e.provider_id), quote(model), quote(slash == std::string::npos ? model : model.substr(slash + 1)),
                                quote(e.upstream_model_id), quote(e.name), number_or_null(e.input_price_per_m),
                                number_or_null(e.output_price_per_m), number_or_null(e.cache_read_price_per_m),
                                number_or_null(e.cache_write_price_per_m),
                                e.context_length > 0 ? std::to_string(e.context_length) : std::string("NULL"),
                                quote(modalities(e.input_modalities)), quote(modalities(e.output_modalities)), quote(source),
                                "1", now, now, quote(catalog::model_type_name(e.type))};
  sql.push_back('(');
  for (size_t i = 0; i < std::size(values); ++i) {
    if (i) sql.push_back(',');
    sql.append(values[i]);
  }
  sql.push_back(')');
}

}  // namespace

std::vector<Statement> upsert_catalog(const std::vector<catalog::CatalogEntry>& rows, std::string_view source,
                                      int64_t now_ms) {
  const std::string head =
      "INSERT INTO catalog (provider_id, model_id, model_suffix, upstream_model_id, name, input_price, output_price, "
      "cache_read_price, cache_write_price, context_length, input_modalities, output_modalities, source, is_active, "
      "created_at, refreshed_at, model_type) VALUES ";
  std::string tail =
      " ON CONFLICT (provider_id, model_id) DO UPDATE SET upstream_model_id = excluded.upstream_model_id, "
      "name = excluded.name, input_price = excluded.input_price, output_price = excluded.output_price, "
      "cache_read_price = excluded.cache_read_price, cache_write_price = excluded.cache_write_price, "
      "context_length = excluded.context_length, input_modalities = excluded.input_modalities, "
      "output_modalities = excluded.output_modalities, source = excluded.source, is_active = 1, "
      "refreshed_at = excluded.refreshed_at, model_type = excluded.model_type";
  if (source == "snapshot") tail += " WHERE catalog.source = 'snapshot'";
  std::vector<Statement> out;
  const std::string now = std::to_string(now_ms);
  for (size_t i = 0; i < rows.size(); i += kRowsPerStatement) {
    Statement s;
    s.sql = head;
    for (size_t j = i; j < rows.size() && j < i + kRowsPerStatement; ++j) {
      if (j > i) s.sql += ",";
      append_row(s.sql, rows[j], source, now);
    }
    s.sql += tail;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace keyaos::store
