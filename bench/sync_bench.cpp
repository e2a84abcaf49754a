#include "sync_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "catalog/builtin_providers.h"
#include "catalog/sync_apply.h"
#include "core/json.h"

using namespace keyaos;
using Clock = std::chrono::steady_clock;

namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(KEYAOS_FIXTURES) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class F>
double median_ms(int iterations, F&& body) {
  std::vector<double> runs;
  for (int i = 0; i < std::max(iterations, 3); ++i) {
    auto t0 = Clock::now();
    body();
    runs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace

std::string synthetic_openrouter_list(size_t bytes, size_t* models) {
  Json fixture = parse_json(read_fixture("openrouter_models_entry.json"));
  const Json* data = field(fixture, "data");
  if (!data || !data->is_array() || data->empty()) std::abort();
  const Json& model = (*data)[0];
  std::string body = "{\"data\":[";
  size_t count = 0;
  while (body.size() < bytes) {
    Json copy = model;
    copy["id"] = "vendor" + std::to_string(count % 50) + "/model-" + std::to_string(count);
    copy["pricing"]["prompt"] = "0.000000" + std::to_string(count % 9 + 1);
    copy["pricing"]["completion"] = "0.00000" + std::to_string(count % 9 + 1);
    if (count) body += ',';
    body += dump_json(copy);
    ++count;
  }
  body += "]}";
  if (models) *models = count;
  return body;
}

std::string catalog_sync_bench_fields(int iterations) {
  std::vector<catalog::ProviderDef> providers;
  std::string error;
  if (!catalog::load_builtin_providers(providers, error)) std::abort();
  const catalog::ProviderDef* openrouter = nullptr;
  for (const auto& p : providers)
    if (p.id == "openrouter") openrouter = &p;
  if (!openrouter) std::abort();

  size_t models = 0;
  const std::string body = synthetic_openrouter_list(1024 * 1024, &models);
  // OpenRouter's second list, /embeddings/models: every sync reads it beside the main one.
  Json entry = (*field(parse_json(read_fixture("openrouter_models_entry.json")), "data"))[0];
  std::string embeddings = "{\"data\":[";
  const size_t embedding_models = 3;
  for (size_t i = 0; i < embedding_models; ++i) {
    entry["id"] = "openai/text-embedding-bench-" + std::to_string(i);
    embeddings += (i ? "," : "") + dump_json(entry);
  }
  embeddings += "]}";
  models += embedding_models;
  const catalog::ReferenceMap own = catalog::make_reference_map(catalog::catalog_from_definition(*openrouter));
  std::vector<std::string> active;  // every model already active: the usual hourly run
  {
    catalog::FreshList list = catalog::read_fresh_list(*openrouter, "openrouter", body, {&own}, embeddings);
    if (!list.ok || list.rows.size() != models) std::abort();
    for (const auto& r : list.rows) active.push_back(r.model_id);
  }
  size_t statements = 0, sql_bytes = 0;
  catalog::RowDigests written;
  const int64_t now = 1700000000000;
  // A list that changed throughout: every row is written (no row budget here).
  double full_ms = median_ms(iterations, [&] {
    catalog::FreshList list = catalog::read_fresh_list(*openrouter, "openrouter", body, {&own}, embeddings);
    catalog::CatalogWrite w = catalog::plan_catalog_write("", "openrouter", active, list.ok, std::move(list.rows), "sync", {}, models, now);
    statements = w.statements.size();
    sql_bytes = 0;
    for (const auto& s : w.statements) sql_bytes += s.sql.size();
    written = std::move(w.digests);
  });
  // The usual hourly run: the same list, nothing to write.
  double same_ms = median_ms(iterations, [&] {
    catalog::FreshList list = catalog::read_fresh_list(*openrouter, "openrouter", body, {&own}, embeddings);
    catalog::CatalogWrite w = catalog::plan_catalog_write("", "openrouter", active, list.ok, std::move(list.rows), "sync", written, models, now);
    if (w.upserted != 0) std::abort();
  });
  double parse_ms = median_ms(iterations, [&] {
    std::vector<catalog::CatalogEntry> rows;
    std::string e;
    if (!catalog::parse_model_list(*openrouter, "openrouter", body, rows, e)) std::abort();
  });
  char out[400];
  std::snprintf(out, sizeof out,
                "\"sync_list_bytes\":%zu,\"sync_models\":%zu,\"sync_parse_ms\":%.3f,\"sync_full_ms\":%.3f,"
                "\"sync_unchanged_ms\":%.3f,\"sync_statements\":%zu,\"sync_sql_bytes\":%zu",
                body.size(), models, parse_ms, full_ms, same_ms, statements, sql_bytes);
  return out;
}
