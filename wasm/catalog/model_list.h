#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/provider.h"

namespace keyaos::catalog {

// One catalogue row: a model a provider serves, under its canonical id.
struct CatalogEntry {
  std::string provider_id;
  std::string model_id;           // canonical "vendor/model"
  std::string upstream_model_id;  // the exact id the upstream expects
  std::string name;               // empty when the upstream gives none
  // USD per 1M tokens; empty when unknown (the reference price applies).
  std::optional<double> input_price_per_m;
  std::optional<double> output_price_per_m;
  std::optional<double> cache_read_price_per_m;
  std::optional<double> cache_write_price_per_m;
  int64_t context_length = 0;  // 0 when unknown
  std::vector<std::string> input_modalities;   // empty when unknown
  std::vector<std::string> output_modalities;  // empty when unknown
  int64_t created_s = 0;                       // 0 when unknown
  ModelType type = ModelType::chat;
};

// Parses a provider's model-list response with the named parser (one of
// model_list_parser_names(); google_models reads Google's native
// {"models":[{name, supportedGenerationMethods}]}) into rows of
// `def`, replacing `out`. Native ids are mapped with canonical_model_id; ids
// that do not map to a canonical id are left out, as are duplicates (the
// first wins) and, for OpenRouter, models with a dynamic ("-1") price.
// Returns false, with `out` empty, when the body is not valid JSON or not
// the expected shape.
//
// Embedding models: a row is one when the definition's `embeddings.mark`
// matches it (in the main list when the definition has no separate
// embeddings list), or when the provider's own snapshot entry says so. With
// `embeddings_list` the body is that separate list: only the rows the mark
// matches are kept, all as embedding models.
bool parse_model_list(const ProviderDef& def, std::string_view parser, std::string_view body,
                      std::vector<CatalogEntry>& out, std::string& error, bool embeddings_list = false);

// The names parse_model_list knows, in a fixed order: what a definition's
// `models.sync.parser` and `embeddings.list.parser` may be.
std::vector<std::string_view> model_list_parser_names();

// The definition's own snapshot / static list as catalogue rows.
std::vector<CatalogEntry> catalog_from_definition(const ProviderDef& def);

}  // namespace keyaos::catalog
