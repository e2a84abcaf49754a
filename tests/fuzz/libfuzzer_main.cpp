// libFuzzer driver: one binary per target, KEYAOS_FUZZ_ENTRY names the entry
// point (see fuzz_targets.h). Built by `npm run fuzz` into build/fuzz/.
#include "fuzz_targets.h"

#ifndef KEYAOS_FUZZ_ENTRY
#error "define KEYAOS_FUZZ_ENTRY to a fuzz_<name> function"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return KEYAOS_FUZZ_ENTRY(data, size); }
