// Native benchmark of the engine's CPU per request, with a baseline measured
// in the same run. Prints one JSON object (consumed by scripts/bench.js).
//
//   keyaos_bench [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fake_host.h"
#include "protocols/openai/sse_scanner.h"
#include "sync_bench.h"
#include "timing.h"
#include "translate_bench.h"

using namespace keyaos;
using bench::median_ns;
using keyaos::testing::FakeHost;

namespace {

const char* kStreamBody = R"({"model":"gpt-4o-mini","stream":true,"max_tokens":256,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Write a short poem about gateways."}]})";
const char* kPlainBody = R"({"model":"gpt-4o-mini","max_tokens":256,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Write a short poem about gateways."}]})";

std::vector<std::string> words(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(i % 5 == 0 ? " gateway" : " words");
  return out;
}

std::string nonce(int i) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", i);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  FakeHost host;
  const std::string stream = testing::openai_stream(words(60), 24, 60);
  const size_t first_event_end = stream.find("\n\n", stream.find(" gateway")) + 2;
  const std::string head = stream.substr(0, first_event_end), rest = stream.substr(first_event_end);
  const std::string completion =
      R"({"id":"chatcmpl-x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":")" +
      std::string(300, 'x') + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":60,"total_tokens":84}})";

  // Warm the routing table so the loop measures the steady state.
  {
    uint32_t h = host.engine.open();
    host.settle(h, host.request(h, kStreamBody, 1000, nonce(0)), 1000);
    host.engine.close(h);
  }
  int64_t now = 2000;
  double stream_ns = median_ns(iterations, [&](int i) {
    uint32_t h = host.engine.open();
    host.request(h, kStreamBody, now, nonce(i));
    host.head(h, 200, now);
    host.chunk(h, head, now);
    host.stream_end(h, rest, now);
    host.engine.close(h);
  });
  double plain_ns = median_ns(iterations, [&](int i) {
    uint32_t h = host.engine.open();
    host.request(h, kPlainBody, now, nonce(i));
    host.head(h, 200, now);
    host.body(h, completion, now);
    host.engine.close(h);
  });
  // Baseline: what any JSON-aware proxy must at least do for the same bytes:
  // parse the request body and every stream event once with nlohmann::json.
  double baseline_ns = median_ns(iterations, [&](int) {
    Json req = parse_json(kStreamBody);
    size_t pos = 0, events = 0;
    while ((pos = stream.find("data: ", pos)) != std::string::npos) {
      size_t end = stream.find("\n\n", pos);
      std::string_view data(stream.data() + pos + 6, end - pos - 6);
      if (data != "[DONE]") events += parse_json(data).is_object();
      pos = end;
    }
    if (req.is_discarded() || events == 0) std::abort();
  });

  // Meter throughput on a long stream (4,000 events, as a long answer).
  const std::string long_stream = testing::openai_stream(words(4000), 24, 4000);
  double scan_ns = median_ns(std::max(9, iterations / 200), [&](int) {
    openai::SseScanner s;
    s.feed(long_stream);
    s.end();
    if (!s.finished()) std::abort();
  });

  // The hourly catalogue sync of a ~1 MB OpenRouter list.
  const std::string sync = catalog_sync_bench_fields(std::max(5, iterations / 1000));
  // Translated protocols (Google SSE, Kiro event stream) to OpenAI SSE.
  const std::string translation = translation_bench_fields(std::max(90, iterations / 10));

  std::printf(
      "{\"stream_request_us\":%.2f,\"plain_request_us\":%.2f,\"baseline_us\":%.2f,\"stream_vs_baseline\":%.3f,"
      "\"stream_bytes\":%zu,\"meter_mb_per_s\":%.1f,\"long_stream_bytes\":%zu,\"long_stream_scan_ms\":%.3f,%s,%s}\n",
      stream_ns / 1000, plain_ns / 1000, baseline_ns / 1000, stream_ns / baseline_ns, stream.size(),
      long_stream.size() / (scan_ns / 1e9) / 1e6, long_stream.size(), scan_ns / 1e6, sync.c_str(), translation.c_str());
  return 0;
}
