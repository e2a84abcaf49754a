#pragma once
// Property checks shared by the fuzz targets. Under libFuzzer a violation
// prints the failed condition and aborts, so the input is saved as a crash;
// the Catch2 corpus replay installs a handler that reports it as a test failure.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace keyaos::fuzz {

using FailureHandler = void (*)(const char* file, int line, const char* condition);

// Replaces the handler; returns the previous one. The default aborts.
FailureHandler set_failure_handler(FailureHandler handler);

[[noreturn]] void fail(const char* file, int line, const char* condition);

// Deterministic piece lengths for feeding a stream in parts, seeded from the
// input so a corpus file replays the same way everywhere.
class SplitPlan {
 public:
  explicit SplitPlan(std::string_view data);
  // Mostly tiny pieces (line, header and UTF-8 boundaries), sometimes large.
  size_t next();

 private:
  uint32_t state_;
};

}  // namespace keyaos::fuzz

#define FUZZ_REQUIRE(condition) \
  ((condition) ? (void)0 : ::keyaos::fuzz::fail(__FILE__, __LINE__, #condition))
