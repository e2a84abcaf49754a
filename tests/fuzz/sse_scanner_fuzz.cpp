// Fuzz target for the OpenAI SSE scanner (protocols/openai/sse_scanner) and
// the non-streaming usage reader.
//
// Input: two bytes choosing a split point, then the upstream body.
// Properties checked (FUZZ_REQUIRE):
//   - the scanner's whole state (content, finish, [DONE], error, usage,
//     model, counters) is the same whether the body is fed in one piece, in
//     two pieces at the chosen point, in pseudo-random pieces, or byte by byte;
//   - it never counts more events than there are lines, nor more output
//     characters than input bytes;
//   - a failed stream carries an error status and message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/openai/sse_scanner.h"
#include "protocols/openai/usage.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

using keyaos::openai::SseScanner;

struct Snapshot {
  bool content_started, finished, done, failed;
  int error_class, http_status;
  std::string message, type, code;
  int64_t retry_after_ms;
  int64_t prompt, completion, cached, cache_write, reasoning;
  bool usage_present, has_cost;
  double cost;
  std::string model, finish_reason;
  int64_t output_chars, events;

  bool operator==(const Snapshot& o) const {
    return content_started == o.content_started && finished == o.finished && done == o.done && failed == o.failed &&
           error_class == o.error_class && http_status == o.http_status && message == o.message && type == o.type &&
           code == o.code && retry_after_ms == o.retry_after_ms && prompt == o.prompt && completion == o.completion &&
           cached == o.cached && cache_write == o.cache_write && reasoning == o.reasoning &&
           usage_present == o.usage_present && has_cost == o.has_cost && (!has_cost || cost == o.cost || (cost != cost && o.cost != o.cost)) &&
           model == o.model && finish_reason == o.finish_reason && output_chars == o.output_chars && events == o.events;
  }
};

Snapshot snapshot(const SseScanner& s) {
  const auto& e = s.error();
  const auto& u = s.usage();
  return {s.content_started(), s.finished(), s.done(), s.failed(), static_cast<int>(e.error_class), e.http_status,
          e.message, e.type, e.code, e.retry_after_ms, u.prompt_tokens, u.completion_tokens, u.cached_tokens,
          u.cache_write_tokens, u.reasoning_tokens, u.present, u.reported_cost_usd.has_value(),
          u.reported_cost_usd.value_or(0), s.model(), s.finish_reason(), s.output_chars(), s.events()};
}

}  // namespace

int fuzz_sse_scanner(const uint8_t* bytes, size_t size) {
  if (size < 2) return -1;
  const size_t chosen = static_cast<size_t>(bytes[0]) | static_cast<size_t>(bytes[1]) << 8;
  const std::string_view body(reinterpret_cast<const char*>(bytes) + 2, size - 2);
  const size_t split = body.empty() ? 0 : chosen % (body.size() + 1);

  SseScanner whole;
  whole.feed(body);
  whole.end();
  const Snapshot expected = snapshot(whole);

  SseScanner two;
  two.feed(body.substr(0, split));
  two.feed(body.substr(split));
  two.end();
  FUZZ_REQUIRE(snapshot(two) == expected);

  SseScanner pieces;
  keyaos::fuzz::SplitPlan plan(body);
  for (size_t at = 0; at < body.size();) {
    const size_t n = plan.next();
    pieces.feed(body.substr(at, n));
    at += n;
  }
  pieces.end();
  FUZZ_REQUIRE(snapshot(pieces) == expected);

  if (body.size() <= 8192) {
    SseScanner bytewise;
    for (size_t i = 0; i < body.size(); ++i) bytewise.feed(body.substr(i, 1));
    bytewise.end();
    FUZZ_REQUIRE(snapshot(bytewise) == expected);
  }

  size_t lines = 1;
  for (char c : body) lines += c == '\n';
  FUZZ_REQUIRE(expected.events >= 0 && static_cast<size_t>(expected.events) <= lines);
  FUZZ_REQUIRE(expected.output_chars >= 0 && static_cast<size_t>(expected.output_chars) <= body.size());
  if (expected.failed) FUZZ_REQUIRE(expected.http_status >= 400 && expected.http_status <= 599 && !expected.message.empty());
  if (expected.done) FUZZ_REQUIRE(expected.events >= 1);

  // The same bytes as a whole non-streaming answer.
  keyaos::openai::CompletionSummary answer;
  if (keyaos::openai::read_completion(body, answer)) FUZZ_REQUIRE(answer.content.size() + answer.model.size() + answer.error_json.size() <= body.size());
  return 0;
}
