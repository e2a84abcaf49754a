// Fuzz target for core/json_index: simdjson's first stage and string
// unescaping with plain bytes taken eight at a time.
//
// Input: any bytes, read as a JSON document.
// Properties checked (FUZZ_REQUIRE):
//   - the structural index and the error are those of simdjson's scalar kernel;
//   - when the first stage accepts the document, every string it indexed
//     unescapes to the same bytes (or the same refusal) as with the library's
//     scalar code, with and without replacement of lone surrogates.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/json_index.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

int fuzz_json_index(const uint8_t* bytes, size_t size) {
  const simdjson::padded_string padded(reinterpret_cast<const char*>(bytes), size);
  const auto* input = reinterpret_cast<const uint8_t*>(padded.data());

  std::vector<uint32_t> ours(size + 3);
  uint32_t count = 0;
  const simdjson::error_code error = keyaos::json_index::index(input, size, ours.data(), count);

  simdjson::fallback::dom_parser_implementation library;
  FUZZ_REQUIRE(library.set_capacity(size) == simdjson::SUCCESS && library.set_max_depth(64) == simdjson::SUCCESS);
  const simdjson::error_code library_error = library.stage1(input, size, simdjson::stage1_mode::regular);
  FUZZ_REQUIRE(error == library_error);
  FUZZ_REQUIRE(count == library.n_structural_indexes);
  for (uint32_t i = 0; i < count + 3; i++) FUZZ_REQUIRE(ours[i] == library.structural_indexes[i]);
  if (error != simdjson::SUCCESS) return 0;

  keyaos::json_index::install();
  std::unique_ptr<simdjson::internal::dom_parser_implementation> parser;
  FUZZ_REQUIRE(simdjson::get_active_implementation()->create_dom_parser_implementation(size, 64, parser) == simdjson::SUCCESS);
  std::vector<uint8_t> a(size + simdjson::SIMDJSON_PADDING), b(size + simdjson::SIMDJSON_PADDING);
  for (uint32_t i = 0; i < count; i++) {
    if (input[ours[i]] != '"') continue;
    for (const bool replace : {false, true}) {
      const uint8_t* end_a = parser->parse_string(input + ours[i] + 1, a.data(), replace);
      const uint8_t* end_b = library.parse_string(input + ours[i] + 1, b.data(), replace);
      FUZZ_REQUIRE((end_a == nullptr) == (end_b == nullptr));
      if (!end_a) continue;
      FUZZ_REQUIRE(end_a - a.data() == end_b - b.data());
      FUZZ_REQUIRE(std::equal(static_cast<const uint8_t*>(a.data()), end_a, static_cast<const uint8_t*>(b.data())));
    }
  }
  return 0;
}
