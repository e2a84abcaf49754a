// Fuzz target for the model-list parsers (catalog/model_list).
//
// Input: one byte choosing the parser (its top bit: read as a separate
// embeddings list), one choosing the provider definition
// (built-in ones and a custom provider's), then the list body.
// Properties checked (FUZZ_REQUIRE):
//   - a refused list leaves no rows and says why;
//   - an accepted list has only rows of that provider, with canonical and
//     unique model ids, a non-empty upstream id, finite non-negative prices
//     and non-negative counts;
//   - parsing is deterministic (the same rows twice).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "catalog/custom_provider.h"
#include "catalog/model_list.h"

#include "catalog_fuzz_support.h"
#include "fuzz_targets.h"

namespace {

using keyaos::catalog::CatalogEntry;
using keyaos::catalog::ProviderDef;


const ProviderDef& custom_def() {
  static const ProviderDef def = [] {
    keyaos::catalog::CustomProvider p;
    p.id = "my-vllm";
    p.name = "My vLLM";
    p.base_url = "http://127.0.0.1:8000/v1";
    p.models_url = "http://127.0.0.1:8000/v1/models";
    return keyaos::catalog::custom_provider_def(p);
  }();
  return def;
}

bool same(const CatalogEntry& a, const CatalogEntry& b) {
  auto eq = [](const std::optional<double>& x, const std::optional<double>& y) {
    return x.has_value() == y.has_value() && (!x || *x == *y);
  };
  return a.provider_id == b.provider_id && a.model_id == b.model_id && a.upstream_model_id == b.upstream_model_id &&
         a.name == b.name && eq(a.input_price_per_m, b.input_price_per_m) &&
         eq(a.output_price_per_m, b.output_price_per_m) && eq(a.cache_read_price_per_m, b.cache_read_price_per_m) &&
         eq(a.cache_write_price_per_m, b.cache_write_price_per_m) && a.context_length == b.context_length &&
         a.input_modalities == b.input_modalities && a.output_modalities == b.output_modalities &&
         a.created_s == b.created_s && a.type == b.type;
}

}  // namespace

int fuzz_model_list(const uint8_t* bytes, size_t size) {
  if (size < 2) return -1;
  static const std::vector<std::string_view> kParsers = keyaos::catalog::model_list_parser_names();
  const std::string_view parser = kParsers[bytes[0] % kParsers.size()];
  const auto& providers = keyaos::fuzz::builtin_providers();
  const size_t pick = bytes[1] % (providers.size() + 1);
  const ProviderDef& def = pick == providers.size() ? custom_def() : providers[pick];
  const std::string_view body(reinterpret_cast<const char*>(bytes) + 2, size - 2);
  const bool embeddings_list = (bytes[0] & 0x80) != 0;  // read as a provider's separate embeddings list

  std::vector<CatalogEntry> rows = {CatalogEntry{}};  // replaced, never appended to
  std::string error;
  const bool ok = keyaos::catalog::parse_model_list(def, parser, body, rows, error, embeddings_list);
  if (!ok) {
    FUZZ_REQUIRE(rows.empty());
    FUZZ_REQUIRE(!error.empty());
    return 0;
  }
  std::unordered_set<std::string> ids;
  for (const CatalogEntry& row : rows) {
    FUZZ_REQUIRE(row.provider_id == def.id);
    FUZZ_REQUIRE(keyaos::catalog::is_canonical_model_id(row.model_id));
    FUZZ_REQUIRE(ids.insert(row.model_id).second);
    FUZZ_REQUIRE(!row.upstream_model_id.empty());
    FUZZ_REQUIRE(keyaos::fuzz::sane_price(row.input_price_per_m));
    FUZZ_REQUIRE(keyaos::fuzz::sane_price(row.output_price_per_m));
    FUZZ_REQUIRE(keyaos::fuzz::sane_price(row.cache_read_price_per_m));
    FUZZ_REQUIRE(keyaos::fuzz::sane_price(row.cache_write_price_per_m));
    FUZZ_REQUIRE(row.context_length >= 0 && row.created_s >= 0);
  }

  std::vector<CatalogEntry> again;
  std::string again_error;
  FUZZ_REQUIRE(keyaos::catalog::parse_model_list(def, parser, body, again, again_error, embeddings_list));
  FUZZ_REQUIRE(again.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) FUZZ_REQUIRE(same(rows[i], again[i]));
  return 0;
}
