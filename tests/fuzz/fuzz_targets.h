#pragma once
// Every fuzz target's entry point. Each is a plain function that both the
// libFuzzer driver (libfuzzer_main.cpp, one binary per target) and the Catch2
// corpus replay call; a property violation goes through FUZZ_REQUIRE.
// Corpora live in tests/fuzz/corpus/<name>/.
#include <cstddef>
#include <cstdint>

int fuzz_chat_request(const uint8_t* data, size_t size);
int fuzz_sse_scanner(const uint8_t* data, size_t size);
int fuzz_eventstream(const uint8_t* data, size_t size);
int fuzz_google_response(const uint8_t* data, size_t size);
int fuzz_model_list(const uint8_t* data, size_t size);
int fuzz_credits(const uint8_t* data, size_t size);
int fuzz_provider_json(const uint8_t* data, size_t size);
int fuzz_custom_provider(const uint8_t* data, size_t size);
int fuzz_responses_request(const uint8_t* data, size_t size);
int fuzz_messages_request(const uint8_t* data, size_t size);
int fuzz_json_index(const uint8_t* data, size_t size);

namespace keyaos::fuzz {

struct Target {
  const char* name;
  int (*run)(const uint8_t* data, size_t size);
};

inline constexpr Target kTargets[] = {
    {"chat_request", fuzz_chat_request},     {"sse_scanner", fuzz_sse_scanner},
    {"eventstream", fuzz_eventstream},       {"google_response", fuzz_google_response},
    {"model_list", fuzz_model_list},         {"credits", fuzz_credits},
    {"provider_json", fuzz_provider_json},   {"custom_provider", fuzz_custom_provider},
    {"responses_request", fuzz_responses_request},
    {"messages_request", fuzz_messages_request},
    {"json_index", fuzz_json_index},
};

}  // namespace keyaos::fuzz
