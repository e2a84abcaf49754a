#include "translate_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "protocols/aws_eventstream/encoder.h"
#include "protocols/google_v1internal/stream_translator.h"
#include "protocols/kiro/stream_translator.h"

using namespace keyaos;
using Clock = std::chrono::steady_clock;

namespace {

// Upstream bytes arrive in network-sized pieces.
constexpr size_t kChunkBytes = 16 * 1024;

const char* word(int i) { return i % 5 == 0 ? " gateway" : " words"; }

template <class F>
double median_ns(int iterations, F&& body) {
  std::vector<double> batches;
  const int per_batch = std::max(1, iterations / 9);
  for (int b = 0; b < 9; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < per_batch; ++i) body();
    batches.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / per_batch);
  }
  std::sort(batches.begin(), batches.end());
  return batches[batches.size() / 2];
}

template <class Translator>
void translate(Translator& t, const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (size_t at = 0; at < bytes.size(); at += kChunkBytes)
    t.feed(std::string_view(bytes).substr(at, kChunkBytes), out);
  t.finish(out);
  if (!t.finished() || t.failed() || out.empty()) std::abort();
}

double google_ns(const std::string& sse, int iterations) {
  return median_ns(iterations, [&] {
    google_v1internal::TranslationOptions o;
    o.id = "chatcmpl-bench";
    o.created_s = 1;
    o.model = "google/gemini-2.5-flash";
    google_v1internal::GoogleStreamTranslator t(o);
    translate(t, sse);
  });
}

double kiro_ns(const std::string& frames, int iterations) {
  return median_ns(iterations, [&] {
    kiro::ReplyOptions o;
    o.response_id = "chatcmpl-bench";
    o.created_s = 1;
    o.model = "anthropic/claude-sonnet-4.5";
    o.prompt_tokens_estimate = 24;
    kiro::KiroStreamTranslator t(o);
    translate(t, frames);
  });
}

}  // namespace

std::string google_sse_answer(int words) {
  std::string out;
  auto event = [&](const std::string& parts, const char* finish, int n) {
    out += R"(data: {"response":{"candidates":[{"content":{"role":"model","parts":[)" + parts + "]}" +
           (finish ? std::string(R"(,"finishReason":")") + finish + "\"" : "") +
           R"(,"index":0}],"usageMetadata":{"promptTokenCount":24,"candidatesTokenCount":)" + std::to_string(n) +
           R"(,"totalTokenCount":)" + std::to_string(24 + n) + R"(}},"traceId":"benchtrace"})" + "\r\n\r\n";
  };
  for (int i = 0; i < words; ++i) event(std::string(R"({"text":")") + word(i) + "\"}", nullptr, i + 1);
  event(R"({"text":""})", "STOP", words);
  return out;
}

std::string kiro_eventstream_answer(int words) {
  auto frame = [](const char* type, const std::string& json) {
    aws_eventstream::Message m;
    m.headers.push_back(aws_eventstream::Header::make_string(":event-type", type));
    m.headers.push_back(aws_eventstream::Header::make_string(":content-type", "application/json"));
    m.headers.push_back(aws_eventstream::Header::make_string(":message-type", "event"));
    m.payload = json;
    return aws_eventstream::encode(m);
  };
  std::string out;
  for (int i = 0; i < words; ++i) out += frame("assistantResponseEvent", std::string(R"({"content":")") + word(i) + "\"}");
  out += frame("meteringEvent", R"({"unit":"credit","unitPlural":"credits","usage":0.0148})");
  out += frame("contextUsageEvent", R"({"contextUsagePercentage":2.1684})");
  return out;
}

std::string translation_bench_fields(int iterations) {
  const int short_words = 60, long_words = 4000;
  const std::string g_short = google_sse_answer(short_words), g_long = google_sse_answer(long_words);
  const std::string k_short = kiro_eventstream_answer(short_words), k_long = kiro_eventstream_answer(long_words);
  const int long_iterations = std::max(9, iterations / 100);
  const double gs = google_ns(g_short, iterations), gl = google_ns(g_long, long_iterations);
  const double ks = kiro_ns(k_short, iterations), kl = kiro_ns(k_long, long_iterations);
  char buf[640];
  std::snprintf(buf, sizeof buf,
                "\"translate_short_events\":%d,\"translate_long_events\":%d,"
                "\"google_short_bytes\":%zu,\"google_short_us\":%.2f,\"google_long_bytes\":%zu,\"google_long_ms\":%.3f,\"google_mb_per_s\":%.1f,"
                "\"kiro_short_bytes\":%zu,\"kiro_short_us\":%.2f,\"kiro_long_bytes\":%zu,\"kiro_long_ms\":%.3f,\"kiro_mb_per_s\":%.1f",
                short_words, long_words, g_short.size(), gs / 1000, g_long.size(), gl / 1e6, g_long.size() / (gl / 1e9) / 1e6,
                k_short.size(), ks / 1000, k_long.size(), kl / 1e6, k_long.size() / (kl / 1e9) / 1e6);
  return buf;
}
