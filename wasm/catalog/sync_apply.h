#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/merge.h"
#include "catalog/model_list.h"
#include "catalog/provider.h"
#include "core/io.h"

namespace keyaos::catalog {

// A provider's freshly fetched model list, parsed and completed from the
// references known without D1 (its own snapshot, OpenRouter's fresh list).
struct FreshList {
  bool ok = false;
  std::string error;
  std::vector<CatalogEntry> rows;
  FillReport fill;
};
// `embeddings_body`: the provider's separate embeddings list, when its
// definition has one; its rows (embedding models) replace main-list rows of
// the same id, which such lists also carry (Google's OpenAI-style /models).
// An empty main list stays empty (the shrink guard refuses it); an
// embeddings list that names no embedding model fails the list.
FreshList read_fresh_list(const ProviderDef& def, std::string_view parser, std::string_view body,
                          const std::vector<const ReferenceMap*>& references, std::string_view embeddings_body = {});

// What the syncs wrote for a provider: canonical id -> digest of the row.
// Kept in meta as `sync_rows:<provider>`, one "id<TAB>digest" per line, so a
// sync upserts only the rows that changed (D1 counts every row written, and
// building the SQL is most of a sync's CPU).
using RowDigests = std::unordered_map<std::string, uint64_t>;
uint64_t row_digest(const CatalogEntry& row);
RowDigests parse_row_digests(std::string_view text);
std::string row_digests_text(const RowDigests& digests);

// Identifies what a list's rows are made of: the body's bytes, the provider
// definitions (own snapshot prices) and, for a list priced from OpenRouter,
// the key of OpenRouter's list. The same key means the same rows, so a sync
// can skip parsing (about 5 ms per MB in wasm) when nothing changed.
std::string list_key(std::string_view body, std::string_view definitions_version, std::string_view reference_key);

// Lines of a newline-separated list (D1's group_concat(model_id, char(10))).
std::vector<std::string> split_lines(std::string_view text);

// What one provider's sync writes.
struct CatalogWrite {
  SyncDecision decision;
  std::vector<Statement> statements;  // upserts of the changed rows, then deactivations
  RowDigests digests;                 // what the catalogue holds once they ran
  size_t upserted = 0;
  size_t pending = 0;                 // changed rows left for a later run (max_rows)
};

// Decides (shrink guard included) and builds the statements. A row is
// upserted, with `source`, when it is new, inactive, or differs from the
// digest written before; at most `max_rows` of them, the rest stay pending.
// Vanished ids are deactivated. `catalog_owner` is store/catalog_store.h's.
CatalogWrite plan_catalog_write(const std::string& catalog_owner, const std::string& provider_id,
                                const std::vector<std::string>& previously_active, bool list_ok, std::vector<CatalogEntry> fresh, std::string_view source,
                                const RowDigests& written_before, size_t max_rows, int64_t now_ms);

}  // namespace keyaos::catalog
