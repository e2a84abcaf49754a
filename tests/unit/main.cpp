#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "core/json_index.h"

// Every test parses with the first stage the Worker's engine runs: in wasm,
// simdjson has only its scalar kernel, which core/json_index.h replaces.
int main(int argc, char* argv[]) {
  keyaos::json_index::install();
  return Catch::Session().run(argc, argv);
}
