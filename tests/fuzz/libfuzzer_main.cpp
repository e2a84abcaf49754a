// libFuzzer driver: one binary per target, KEYAOS_FUZZ_ENTRY names the entry
// point (see fuzz_targets.h). Built by `npm run fuzz` into build/fuzz/.
#include "core/json_index.h"
#include "fuzz_targets.h"

#ifndef KEYAOS_FUZZ_ENTRY
#error "define KEYAOS_FUZZ_ENTRY to a fuzz_<name> function"
#endif

// The first stage the Worker's engine parses with (wasm has only simdjson's scalar kernel).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  keyaos::json_index::install();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return KEYAOS_FUZZ_ENTRY(data, size); }
