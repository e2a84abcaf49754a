#pragma once
// simdjson's first stage (the index of every structural character) for
// machines it has only its scalar kernel for, which is WebAssembly: string
// contents, most of any body or model list, are skipped eight bytes at a time
// instead of one. The index is the one simdjson's scalar kernel builds, the
// same errors included; the second stages (On-Demand's and the DOM's) are
// the library's own.
#include <cstddef>
#include <cstdint>

#include "simdjson.h"

namespace keyaos::json_index {

// Makes every simdjson parser allocated from now on use this first stage, if
// simdjson's active implementation is its scalar one (a SIMD kernel is kept).
// Returns whether it is now in use.
bool install_where_scalar();

// The same, whatever the active implementation: for tests, which run natively.
void install();

// The first stage of `buf` for a regular (single-document) parse into
// `indexes` (room for len + 3 entries); `count` is the number of structurals.
// What simdjson's scalar kernel returns for the same bytes.
simdjson::error_code index(const uint8_t* buf, size_t len, uint32_t* indexes, uint32_t& count) noexcept;

}  // namespace keyaos::json_index
