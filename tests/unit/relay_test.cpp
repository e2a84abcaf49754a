// The relay of committed streams, request bodies and non-streamed bodies:
// incremental metering that any split of the bytes leaves unchanged, bounded
// state, well-formed events only, auth before the body, no second run of an
// answer that had started.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "fake_host.h"
#include "statements.h"
#include "fixtures.h"
#include "protocols/openai/sse_scanner.h"

using namespace keyaos;
using namespace keyaos::testing;

namespace {

const char* kPlainBody = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";

struct Relayed {
  std::string client;  // every byte written to the client
  Action finish;
  int relayed_chunks = 0;  // chunks that arrived after the stream was committed
};

// One streamed request through the engine, the upstream's bytes cut at `cuts`.
Relayed relay(FakeHost& host, const std::string& stream, const std::vector<size_t>& cuts, const std::string& nonce) {
  const uint32_t h = host.engine.open();
  Action a = host.settle(h, host.request(h, kStreamingChatBody, 1000, nonce), 1000);
  REQUIRE(type_of(a) == "fetch");
  a = host.head(h, 200, 1001);
  Relayed r;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t to : ends) {
    if (to <= from) continue;
    a = host.chunk(h, std::string_view(stream).substr(from, to - from), 1002);
    from = to;
    const std::string t = type_of(a);
    if (t == "cancel_upstream") {  // an error before the first content: the only credential failed
      r.finish = host.engine.step(h, FakeHost::event({{"type", "cancelled"}, {"now", 1003}}), "");
      REQUIRE(type_of(r.finish) == "respond");
      host.engine.close(h);
      return r;
    }
    REQUIRE((t == "read_chunk" || t == "commit_stream" || t == "write"));
    if (t == "write") ++r.relayed_chunks;
    r.client += a.payload;
  }
  if (type_of(a) == "read_chunk") {
    a = host.engine.step(h, FakeHost::event({{"type", "upstream_end"}, {"now", 1003}}), "");
    REQUIRE(type_of(a) == "commit_stream");
    r.client += a.payload;
  }
  r.finish = host.stream_end(h, "", 1004);
  r.client += r.finish.payload;
  host.engine.close(h);
  return r;
}

// A big OpenAI stream: `events` content chunks of `piece` bytes, then usage.
std::string long_stream(size_t events, size_t piece) {
  std::vector<std::string> parts(events, std::string(piece, 'x'));
  return openai_stream(parts, 1000, 123456);
}

}  // namespace

TEST_CASE("the incremental meter gives the same usage at every split point of a recorded stream", "[relay][sse]") {
  const std::string stream = read_fixture("openai_chat_stream_text_with_usage.sse");
  REQUIRE(stream.size() > 1000);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    openai::SseScanner s;
    std::string out;
    s.feed(std::string_view(stream).substr(0, cut), &out);
    s.feed(std::string_view(stream).substr(cut), &out);
    s.end(&out);
    INFO("split at " << cut);
    REQUIRE(s.usage().prompt_tokens == 14);
    REQUIRE(s.usage().completion_tokens == 30);
    REQUIRE(s.finished());
    REQUIRE(s.done());
    REQUIRE_FALSE(s.failed());
    REQUIRE(out == stream);  // well-formed events pass byte for byte
  }
}

TEST_CASE("the incremental meter gives the same usage for random splits, through the engine too", "[relay][sse]") {
  const std::string stream = read_fixture("openai_chat_stream_text_with_usage.sse");
  std::mt19937 rng(20261201);
  FakeHost host;
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> cuts;
    for (size_t at = 0;;) {
      at += 1 + rng() % (round % 2 ? 40 : 700);
      if (at >= stream.size()) break;
      cuts.push_back(at);
    }
    openai::SseScanner s;
    std::string out;
    size_t from = 0;
    for (size_t c : cuts) {
      s.feed(std::string_view(stream).substr(from, c - from), &out);
      from = c;
    }
    s.feed(std::string_view(stream).substr(from), &out);
    s.end(&out);
    REQUIRE(s.usage().prompt_tokens == 14);
    REQUIRE(s.usage().completion_tokens == 30);
    REQUIRE(out == stream);
    if (round % 20) continue;
    char nonce[33];
    std::snprintf(nonce, sizeof nonce, "%032d", round);
    Relayed r = relay(host, stream, cuts, nonce);
    REQUIRE(r.client == stream);
    const Json* log = background_named(r.finish, "ledger.insert_log");
    REQUIRE(log);
    CHECK(inserted(*log, "status") == "ok");
    CHECK(inserted(*log, "input_tokens") == 14);
    CHECK(inserted(*log, "output_tokens") == 30);
  }
}

TEST_CASE("the meter's retained state stays bounded for a multi-MB stream", "[relay][sse]") {
  // 6 MB of content in 2 KB events, read in 16 KB blocks as a socket would.
  const std::string stream = long_stream(3000, 2000);
  REQUIRE(stream.size() > 6'000'000);
  openai::SseScanner s;
  size_t most = 0;
  std::string out;
  for (size_t i = 0; i < stream.size(); i += 16384) {
    out.clear();
    s.feed(std::string_view(stream).substr(i, 16384), &out);
    most = std::max(most, s.retained_bytes());
  }
  s.end(&out);
  CHECK(s.usage().completion_tokens == 123456);
  CHECK(s.done());
  INFO("most retained: " << most);
  // An event and a block, whatever the stream's length.
  CHECK(most < 64 * 1024);

  // One event of 1 MB is held while it arrives, then given back.
  openai::SseScanner big;
  const std::string large = long_stream(1, 1'000'000);
  for (size_t i = 0; i < large.size(); i += 16384) big.feed(std::string_view(large).substr(i, 16384), &out);
  big.end(&out);
  CHECK(big.usage().completion_tokens == 123456);
  CHECK(big.retained_bytes() < 64 * 1024);

  // Past kMaxEventBytes the stream fails instead of growing further.
  openai::SseScanner over;
  const std::string huge = long_stream(1, openai::SseScanner::kMaxEventBytes + 10);
  size_t over_most = 0;
  for (size_t i = 0; i < huge.size(); i += 65536) {
    over.feed(std::string_view(huge).substr(i, 65536), nullptr);
    over_most = std::max(over_most, over.retained_bytes());
  }
  CHECK(over.failed());
  CHECK(over.error().code == "event_too_large");
  CHECK(over_most <= 5 * (openai::SseScanner::kMaxEventBytes + 65536));
  CHECK(over.retained_bytes() < 64 * 1024);
}

TEST_CASE("a malformed event after content is dropped from the relay and counted", "[relay][sse]") {
  const std::string good = openai_stream({"Hello", " world"}, 7, 2);
  const size_t after_content = good.find("\n\n", good.find("Hello")) + 2;
  const std::string bad = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}\n\n";
  const std::string stream = good.substr(0, after_content) + bad + good.substr(after_content);
  for (size_t cut : {size_t(1), after_content + 5, after_content + bad.size() - 1, stream.size() - 3}) {
    openai::SseScanner s;
    std::string out;
    s.feed(std::string_view(stream).substr(0, cut), &out);
    s.feed(std::string_view(stream).substr(cut), &out);
    s.end(&out);
    CHECK(out == good);
    CHECK(s.dropped_events() == 1);
    CHECK_FALSE(s.failed());
    CHECK(s.usage().completion_tokens == 2);
  }
  // Through the engine: the client never sees it, the attempt row notes it.
  FakeHost host;
  Relayed r = relay(host, stream, {after_content, after_content + 10}, "dddddddddddddddddddddddddddddddd");
  CHECK(r.client == good);
  const Json* attempt = background_named(r.finish, "ledger.insert_attempts");
  REQUIRE(attempt);
  CHECK(dump_json(attempt->at("params")).find("1 malformed stream event dropped") != std::string::npos);
  const Json* log = background_named(r.finish, "ledger.insert_log");
  REQUIRE(log);
  CHECK(inserted(*log, "status") == "ok");
}

TEST_CASE("an event's keys are read as they unescape: escaped keys name the same fields", "[relay][sse]") {
  // The same stream written with plain keys and with every key escaped.
  const std::string plain =
      "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\ndata: [DONE]\n\n";
  const std::string escaped =
      "data: {\"m\\u006fdel\":\"gpt-4o-mini\",\"ch\\u006fices\":[{\"d\\u0065lta\":{\"c\\u006Fntent\":\"Hi\"},\"finish\\u005freason\":\"stop\"}]}\n\n"
      "data: {\"\\u0075sage\":{\"prompt\\u005ftokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\ndata: [DONE]\n\n";
  for (const std::string* stream : {&plain, &escaped}) {
    INFO(*stream);
    openai::SseScanner s;
    std::string out;
    s.feed(*stream, &out);
    s.end(&out);
    CHECK(out == *stream);
    CHECK_FALSE(s.failed());
    CHECK(s.content_started());
    CHECK(s.finished());
    CHECK(s.output_chars() == 2);
    CHECK(s.usage().prompt_tokens == 5);
    CHECK(s.usage().completion_tokens == 3);
  }
  // A key with a broken escape makes the event malformed.
  openai::SseScanner bad;
  bad.feed("data: {\"ch\\x\":[]}\n\n", nullptr);
  CHECK(bad.failed());
  CHECK(bad.error().code == "malformed_event");
}

TEST_CASE("a malformed event before content still fails the attempt", "[relay][sse]") {
  openai::SseScanner s;
  s.feed("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}\n\n", nullptr);
  CHECK(s.failed());
  CHECK(s.error().code == "malformed_event");
}

TEST_CASE("an unauthenticated request is refused before its body is asked for", "[relay][auth]") {
  FakeHost host;
  auto request = [&](uint32_t h, const char* token) {
    Json ev = {{"type", "request"}, {"method", "POST"}, {"path", "/v1/chat/completions"}, {"query", ""},
               {"headers", {{"authorization", std::string("Bearer ") + token}}}, {"body_pending", true},
               {"max_body_bytes", 1024}, {"now", 1000}, {"nonce", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}};
    return host.engine.step(h, FakeHost::event(ev), "");
  };
  uint32_t h = host.engine.open();
  Action a = request(h, "wrong-token");
  CHECK(type_of(a) == "respond");
  CHECK(int_field(a.head, "status") == 401);
  host.engine.close(h);

  h = host.engine.open();
  a = request(h, testing::kAdminToken);
  REQUIRE(type_of(a) == "read_request_body");
  CHECK(int_field(a.head, "max_bytes") == 1024);
  a = host.settle(h, host.engine.step(h, FakeHost::event({{"type", "request_body"}, {"now", 1001}}), kStreamingChatBody), 1001);
  CHECK(type_of(a) == "fetch");
  host.engine.close(h);

  h = host.engine.open();
  REQUIRE(type_of(request(h, testing::kAdminToken)) == "read_request_body");
  a = host.engine.step(h, FakeHost::event({{"type", "request_body"}, {"too_large", true}, {"now", 1001}}), "");
  CHECK(type_of(a) == "respond");
  CHECK(int_field(a.head, "status") == 413);
  host.engine.close(h);
}

TEST_CASE("a non-streamed body that breaks after it started arriving is reported, not run again", "[relay][failover]") {
  FakeHost host;
  // A second key, so a failover would have somewhere to go.
  Json second = host.credentials[0];
  second["id"] = "cred_b";
  second["price_multiplier"] = 1.0;
  host.credentials.push_back(second);
  const uint32_t h = host.engine.open();
  Action a = host.settle(h, host.request(h, kPlainBody, 1000, "ffffffffffffffffffffffffffffffff"), 1000);
  REQUIRE(type_of(a) == "fetch");
  a = host.head(h, 200, 1001);
  REQUIRE(type_of(a) == "read_body");
  CHECK(int_field(a.head, "idle_ms") == 60000);
  CHECK(bool_field(a.head, "whole"));
  a = host.engine.step(h, FakeHost::event({{"type", "upstream_error"}, {"kind", "timeout"}, {"bytes", 120},
                                            {"message", "no data from the upstream for 60000 ms"}, {"now", 61001}}), "");
  REQUIRE(type_of(a) == "respond");
  CHECK(int_field(a.head, "status") == 504);
  Json body = parse_json(a.payload);
  CHECK(str_field(body["error"], "code") == "upstream_timeout");
  CHECK(str_field(body["error"], "message").find("not retried elsewhere") != std::string::npos);
  host.engine.close(h);

  // No byte of the body yet: the next candidate gets the request.
  const uint32_t h2 = host.engine.open();
  a = host.settle(h2, host.request(h2, kPlainBody, 2000, "abababababababababababababababab"), 2000);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(type_of(host.head(h2, 200, 2001)) == "read_body");
  a = host.engine.step(h2, FakeHost::event({{"type", "upstream_error"}, {"kind", "timeout"}, {"bytes", 0},
                                             {"message", "no data from the upstream for 60000 ms"}, {"now", 62001}}), "");
  CHECK(type_of(a) == "fetch");
  host.engine.close(h2);
}

TEST_CASE("an error event after content reaches the client redacted; content events pass byte for byte", "[relay][sse][redact]") {
  const std::string good = openai_stream({"Hello", " world"}, 7, 2);
  const size_t after_content = good.find("\n\n", good.find("Hello")) + 2;
  const std::string error =
      "data: {\"error\":{\"message\":\"Key sk-abc123def456ghi789jkl012mno345xyz of ops.team@example.com is blocked\","
      "\"type\":\"server_error\",\"code\":\"provider_error\"}}\n\n";
  const std::string stream = good.substr(0, after_content) + error;
  for (size_t cut : {size_t(3), after_content + 9, stream.size() - 1}) {
    openai::SseScanner s;
    std::string out;
    s.feed(std::string_view(stream).substr(0, cut), &out);
    s.feed(std::string_view(stream).substr(cut), &out);
    s.end(&out);
    REQUIRE(out.substr(0, after_content) == good.substr(0, after_content));
    const std::string shown = out.substr(after_content);
    CHECK(shown.find("sk-abc123") == std::string::npos);
    CHECK(shown.find("example.com") == std::string::npos);
    const Json event = parse_json(std::string_view(shown).substr(6));
    CHECK(event["error"]["message"] == "Key [redacted] of [redacted] is blocked");
    CHECK(event["error"]["code"] == "provider_error");
    CHECK(shown.substr(shown.size() - 2) == "\n\n");
    CHECK(s.failed());
    CHECK(s.error().message.find("ops.team@example.com") != std::string::npos);  // the log keeps it
  }
  // An error event that reveals nothing keeps its own bytes.
  const std::string plain = good.substr(0, after_content) + "data: {\"error\":{\"message\":\"Upstream overloaded\"}}\n\n";
  openai::SseScanner s;
  std::string out;
  s.feed(plain, &out);
  s.end(&out);
  CHECK(out == plain);
  // Through the engine: no [DONE] after the error.
  FakeHost host;
  Relayed r = relay(host, stream, {after_content, after_content + 20}, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
  CHECK(r.client.substr(0, after_content) == good.substr(0, after_content));
  CHECK(r.client.find("[redacted] of [redacted]") != std::string::npos);
  CHECK(r.client.find("example.com") == std::string::npos);
  CHECK(r.client.find("[DONE]") == std::string::npos);
}

TEST_CASE("an error event naming a masked key after content hides the key", "[relay][sse][redact]") {
  const std::string good = openai_stream({"Hi"}, 7, 1);
  const size_t after_content = good.find("\n\n", good.find("Hi")) + 2;
  const std::string stream = good.substr(0, after_content) +
                             "data: {\"error\":{\"message\":\"Incorrect API key provided: sk-proj-****wxyz\",\"type\":\"invalid_request_error\","
                             "\"code\":\"invalid_api_key\"}}\n\n";
  openai::SseScanner s;
  std::string out;
  s.feed(stream, &out);
  s.end(&out);
  const Json event = parse_json(std::string_view(out).substr(after_content + 6));
  CHECK(event["error"]["message"] == "Incorrect API key provided: [redacted]");
  CHECK(event["error"]["code"] == "invalid_api_key");
  CHECK(out.find("wxyz") == std::string::npos);
}

TEST_CASE("a committed Anthropic stream asks for keepalives and answers each with a ping; a chat stream does not", "[relay][keepalive]") {
  FakeHost host;
  const std::string stream = openai_stream({"Hi", " there"}, 7, 2);
  const size_t first_content = stream.find("\n\n", stream.find("Hi")) + 2;

  const uint32_t h = host.engine.open();
  Json ev = {{"type", "request"}, {"method", "POST"}, {"path", "/v1/messages"}, {"query", "beta=true"},
             {"headers", {{"x-api-key", testing::kAdminToken}}}, {"now", 1000}, {"nonce", "abababababababababababababababab"}};
  Action a = host.settle(h, host.engine.step(h, FakeHost::event(ev),
                                             R"({"model":"openai/gpt-4o-mini","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]})"),
                         1000);
  REQUIRE(type_of(a) == "fetch");
  host.head(h, 200, 1001);
  a = host.chunk(h, std::string_view(stream).substr(0, first_content), 1002);
  REQUIRE(type_of(a) == "commit_stream");
  CHECK(int_field(a.head, "keepalive_ms") == 15000);
  CHECK(a.payload.find("event: message_start") == 0);

  a = host.engine.step(h, FakeHost::event({{"type", "keepalive"}, {"now", 17000}}), "");
  REQUIRE(type_of(a) == "write");
  CHECK(a.payload == "event: ping\ndata: {\"type\":\"ping\"}\n\n");
  // The stream goes on as before: the rest of the answer, then the end.
  a = host.chunk(h, std::string_view(stream).substr(first_content), 17001);
  REQUIRE(type_of(a) == "write");
  CHECK(a.payload.find("\"text\":\" there\"") != std::string::npos);
  a = host.stream_end(h, "", 17002);
  CHECK(a.payload.find("event: message_stop") != std::string::npos);
  host.engine.close(h);

  const uint32_t c = host.engine.open();
  a = host.settle(c, host.request(c, kStreamingChatBody, 2000, "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"), 2000);
  REQUIRE(type_of(a) == "fetch");
  host.head(c, 200, 2001);
  a = host.chunk(c, stream, 2002);
  REQUIRE(type_of(a) == "commit_stream");
  CHECK(field(a.head, "keepalive_ms") == nullptr);  // OpenAI chat has no keepalive frame of its own
  host.engine.close(c);
}

TEST_CASE("a committed stream's hot path gives the client and the ledger exactly what the event path gives", "[relay][sse]") {
  const std::string recorded = read_fixture("openai_chat_stream_text_with_usage.sse");
  const std::string good = openai_stream({"Hello", " world", " again"}, 7, 3);
  const size_t after_content = good.find("\n\n", good.find("Hello")) + 2;
  const std::string redacted = good.substr(0, after_content) +
                               "data: {\"error\":{\"message\":\"Key sk-abc123def456ghi789jkl012mno345xyz is blocked\"}}\n\n";
  const std::string truncated = good.substr(0, good.find("\n\n", good.find("world")) + 2);
  const std::string malformed = good.substr(0, after_content) + "data: {\"choices\":[\n\n" + good.substr(after_content);
  std::mt19937 rng(20261202);
  int round = 0;
  int relayed = 0;
  for (const std::string* stream : {&recorded, &redacted, &truncated, &malformed}) {
    for (int split = 0; split < 8; ++split, ++round) {
      std::vector<size_t> cuts;
      for (size_t at = 0;;) {
        at += 1 + rng() % (split % 2 ? 30 : 400);
        if (at >= stream->size()) break;
        cuts.push_back(at);
      }
      char nonce[33];
      std::snprintf(nonce, sizeof nonce, "%032d", round);
      FakeHost slow;
      FakeHost fast;
      fast.relay_fast = true;
      const Relayed a = relay(slow, *stream, cuts, nonce);
      const Relayed b = relay(fast, *stream, cuts, nonce);
      INFO("stream " << round / 8 << ", cuts " << cuts.size());
      CHECK(fast.fast_chunks == b.relayed_chunks);
      CHECK(slow.fast_chunks == 0);
      CHECK(b.relayed_chunks == a.relayed_chunks);
      relayed += b.relayed_chunks;
      CHECK(b.client == a.client);
      CHECK(dump_json(b.finish.head) == dump_json(a.finish.head));
      CHECK(b.finish.payload == a.finish.payload);
    }
  }
  CHECK(relayed > 100);  // the hot path carried most of the chunks
}

TEST_CASE("the hot path refuses a request that is not relaying a committed stream", "[relay]") {
  FakeHost host;
  const std::string stream = openai_stream({"Hi", " there"}, 7, 2);
  const size_t first_content = stream.find("\n\n", stream.find("Hi")) + 2;
  const uint32_t h = host.engine.open();
  std::string out;
  CHECK_FALSE(host.engine.relay_chunk(h, 1000, stream, out));  // no task yet
  Action a = host.settle(h, host.request(h, kStreamingChatBody, 1000, "12121212121212121212121212121212"), 1000);
  REQUIRE(type_of(a) == "fetch");
  host.head(h, 200, 1001);
  CHECK_FALSE(host.engine.relay_chunk(h, 1002, stream, out));  // probing: failover is still possible
  a = host.chunk(h, std::string_view(stream).substr(0, first_content), 1002);
  REQUIRE(type_of(a) == "commit_stream");
  CHECK(host.engine.relay_chunk(h, 1003, std::string_view(stream).substr(first_content), out));
  CHECK(out.find("[DONE]") != std::string::npos);
  a = host.stream_end(h, "", 1004);
  REQUIRE(type_of(a) == "finish");
  out.clear();
  CHECK_FALSE(host.engine.relay_chunk(h, 1005, "data: {}\n\n", out));  // ended: the bytes are not the client's
  CHECK(out.empty());
  host.engine.close(h);
  CHECK_FALSE(host.engine.relay_chunk(h, 1006, "data: {}\n\n", out));  // closed
  CHECK_FALSE(host.engine.relay_chunk(999999, 1006, "data: {}\n\n", out));  // unknown handle
}
