#include "translate_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fstream>
#include <sstream>

#include "core/json.h"
#include "protocols/anthropic/messages_protocol.h"
#include "protocols/aws_eventstream/encoder.h"
#include "protocols/responses/protocol.h"
#include "protocols/google_v1internal/stream_translator.h"
#include "protocols/kiro/stream_translator.h"
#include "timing.h"

using namespace keyaos;
using bench::median_ns;

namespace {

// Upstream bytes arrive in network-sized pieces.
constexpr size_t kChunkBytes = 16 * 1024;

const char* word(int i) { return i % 5 == 0 ? " gateway" : " words"; }

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
  return median_ns(iterations, [&](int) {
    google_v1internal::TranslationOptions o;
    o.id = "chatcmpl-bench";
    o.created_s = 1;
    o.model = "google/gemini-2.5-flash";
    google_v1internal::GoogleStreamTranslator t(o);
    translate(t, sse);
  });
}

double kiro_ns(const std::string& frames, int iterations) {
  return median_ns(iterations, [&](int) {
    kiro::ReplyOptions o;
    o.response_id = "chatcmpl-bench";
    o.created_s = 1;
    o.model = "anthropic/claude-sonnet-4.5";
    o.prompt_tokens_estimate = 24;
    kiro::KiroStreamTranslator t(o);
    translate(t, frames);
  });
}

// The engine's OpenAI chunk stream of an answer, as the upstream translators
// and the pass-through meter hand it to an inbound API's writer.
std::string openai_sse_answer(int words) {
  std::string out;
  const std::string head = R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench/model","choices":[{"index":0,"delta":)";
  out += head + R"({"role":"assistant","content":""},"finish_reason":null}]})" + "\n\n";
  for (int i = 0; i < words; ++i) out += head + R"({"content":")" + word(i) + R"("},"finish_reason":null}]})" + "\n\n";
  out += head + R"({},"finish_reason":"stop"}]})" + "\n\n";
  out += R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench/model","choices":[],"usage":{"prompt_tokens":24,"completion_tokens":)" +
         std::to_string(words) + "}}\n\n";
  out += "data: [DONE]\n\n";
  return out;
}

// Whole events in blocks of about kChunkBytes, as the task feeds a writer.
std::vector<std::string_view> event_blocks(const std::string& sse) {
  std::vector<std::string_view> blocks;
  size_t from = 0;
  while (from < sse.size()) {
    size_t to = sse.find("\n\n", std::min(sse.size(), from + kChunkBytes));
    to = to == std::string::npos ? sse.size() : to + 2;
    blocks.emplace_back(sse.data() + from, to - from);
    from = to;
  }
  return blocks;
}

template <class Protocol>
double inbound_ns(const std::string& sse, int iterations) {
  const std::vector<std::string_view> blocks = event_blocks(sse);
  Usage usage;
  usage.prompt_tokens = 24;
  usage.completion_tokens = 4000;
  usage.present = true;
  return median_ns(iterations, [&](int) {
    Protocol protocol;
    auto writer = protocol.stream_writer({"0123456789abcdef0123456789abcdef", "claude-sonnet-4-5", 1, 1000});
    std::string out;
    out.reserve(sse.size() * 2);
    writer->open(out);
    for (auto b : blocks) writer->feed(b, out);
    writer->finish(usage, out);
    if (out.size() < sse.size() / 4) {
      std::fprintf(stderr, "an inbound writer wrote %zu bytes for %zu of OpenAI SSE\n", out.size(), sse.size());
      std::abort();
    }
  });
}

// The body of a recorded client request (tests/fixtures/clients).
std::string fixture_body(const char* name) {
  std::ifstream in(std::string("tests/fixtures/clients/") + name);
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = parse_json(ss.str());
  if (!j.is_object() || !j.contains("body")) return {};
  return dump_json(j["body"]);
}

template <class Protocol>
double mapping_ns(const std::string& body, int iterations) {
  if (body.empty()) return -1;
  return median_ns(iterations, [&](int) {
    Protocol protocol;
    std::string chat;
    ApiError error;
    if (!protocol.map_request(body, chat, error)) {
      std::fprintf(stderr, "a recorded client request was refused: %s\n", error.message.c_str());
      std::abort();
    }
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
  auto frame = [](const char* type, const std::string& json) { return aws_eventstream::encode_event(type, json); };
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
  const std::string o_short = openai_sse_answer(short_words), o_long = openai_sse_answer(long_words);
  const double as = inbound_ns<anthropic::AnthropicMessages>(o_short, iterations);
  const double al = inbound_ns<anthropic::AnthropicMessages>(o_long, long_iterations);
  const double rs = inbound_ns<responses::OpenAIResponses>(o_short, iterations);
  const double rl = inbound_ns<responses::OpenAIResponses>(o_long, long_iterations);
  const std::string cc = fixture_body("claude_code_2.1.328_messages_request.json");
  const std::string cx = fixture_body("codex_0.169.0_responses_request.json");
  const double am = mapping_ns<anthropic::AnthropicMessages>(cc, std::max(9, iterations / 10));
  const double rm = mapping_ns<responses::OpenAIResponses>(cx, std::max(9, iterations / 10));
  char inbound[640];
  std::snprintf(inbound, sizeof inbound,
                ",\"openai_short_bytes\":%zu,\"openai_long_bytes\":%zu,"
                "\"messages_short_us\":%.2f,\"messages_long_ms\":%.3f,\"messages_mb_per_s\":%.1f,"
                "\"responses_short_us\":%.2f,\"responses_long_ms\":%.3f,\"responses_mb_per_s\":%.1f,"
                "\"messages_request_bytes\":%zu,\"messages_request_us\":%.2f,"
                "\"responses_request_bytes\":%zu,\"responses_request_us\":%.2f",
                o_short.size(), o_long.size(), as / 1000, al / 1e6, o_long.size() / (al / 1e9) / 1e6, rs / 1000, rl / 1e6,
                o_long.size() / (rl / 1e9) / 1e6, cc.size(), am / 1000, cx.size(), rm / 1000);
  char buf[640];
  std::snprintf(buf, sizeof buf,
                "\"translate_short_events\":%d,\"translate_long_events\":%d,"
                "\"google_short_bytes\":%zu,\"google_short_us\":%.2f,\"google_long_bytes\":%zu,\"google_long_ms\":%.3f,\"google_mb_per_s\":%.1f,"
                "\"kiro_short_bytes\":%zu,\"kiro_short_us\":%.2f,\"kiro_long_bytes\":%zu,\"kiro_long_ms\":%.3f,\"kiro_mb_per_s\":%.1f",
                short_words, long_words, g_short.size(), gs / 1000, g_long.size(), gl / 1e6, g_long.size() / (gl / 1e9) / 1e6,
                k_short.size(), ks / 1000, k_long.size(), kl / 1e6, k_long.size() / (kl / 1e9) / 1e6);
  return std::string(buf) + inbound;
}
