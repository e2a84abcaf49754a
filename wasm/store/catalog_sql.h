#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/model_list.h"
#include "core/io.h"

namespace keyaos::store {

// Upserts catalogue rows in statements of at most 40 rows, with values
// inlined (D1 binds at most 100 parameters per statement). `source` is
// 'snapshot' or 'sync'; a snapshot never overwrites a row a sync wrote.
std::vector<Statement> upsert_catalog(const std::vector<catalog::CatalogEntry>& rows, std::string_view source,
                                      int64_t now_ms);

}  // namespace keyaos::store
