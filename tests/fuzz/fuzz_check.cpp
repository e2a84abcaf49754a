#include "fuzz_check.h"

#include <cstdio>
#include <cstdlib>

#include "protocols/aws_eventstream/crc32.h"

namespace keyaos::fuzz {
namespace {

void abort_handler(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "fuzz property violated at %s:%d: %s\n", file, line, condition);
  std::abort();
}

FailureHandler g_handler = abort_handler;

}  // namespace

FailureHandler set_failure_handler(FailureHandler handler) {
  FailureHandler previous = g_handler;
  g_handler = handler ? handler : abort_handler;
  return previous;
}

void fail(const char* file, int line, const char* condition) {
  g_handler(file, line, condition);
  std::abort();  // a handler that returns must not let the target go on
}

SplitPlan::SplitPlan(std::string_view data)
    : state_(keyaos::aws_eventstream::crc32(reinterpret_cast<const uint8_t*>(data.data()), data.size()) | 1u) {}

size_t SplitPlan::next() {
  state_ ^= state_ << 13;
  state_ ^= state_ >> 17;
  state_ ^= state_ << 5;
  const uint32_t r = state_;
  if ((r & 3u) == 0) return 1 + (r >> 8) % 512;
  return 1 + (r >> 8) % 16;
}

}  // namespace keyaos::fuzz
