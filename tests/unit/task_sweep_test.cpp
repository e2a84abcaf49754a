// Engine tasks whose host went away (a cancelled promise, a vanished client)
// are closed by the sweep, and the number of open tasks is bounded.
#include <catch2/catch.hpp>

#include "fake_host.h"
#include "statements.h"

using namespace keyaos;
using keyaos::testing::FakeHost;
using keyaos::testing::type_of;

namespace {

const char* kBody = R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]})";

std::string nonce(int i) {
  std::string n = std::to_string(i);
  return std::string(32 - n.size(), '0') + n;
}

// A streamed request left committed, as the host's relay holds it.
uint32_t committed_stream(FakeHost& host, int64_t now, int i) {
  const uint32_t h = host.engine.open();
  host.settle(h, host.request(h, kBody, now, nonce(i)), now);
  host.head(h, 200, now + 1);
  std::string stream = keyaos::testing::openai_stream({"Hello"}, 5, 1);
  std::string first = stream.substr(0, stream.find("\n\n", stream.find("Hello")) + 2);
  REQUIRE(type_of(host.chunk(h, first, now + 2)) == "commit_stream");
  return h;
}

}  // namespace

TEST_CASE("a task whose host stopped stepping it is swept; one kept alive by touch is not", "[engine][sweep]") {
  FakeHost host;
  const int64_t t0 = 1'000'000;
  const int64_t limit = host.engine.abandoned_after_ms();
  CHECK(limit == 2 * 60000 + 60000);  // default timeouts: 60 s is the longest
  const uint32_t lost = committed_stream(host, t0, 1);
  const uint32_t relayed = committed_stream(host, t0, 2);
  const uint32_t never_stepped = host.engine.open();
  REQUIRE(host.engine.open_count() == 3);

  // Not yet abandoned: a new request sweeps nothing.
  const uint32_t early = host.engine.open();
  host.settle(early, host.request(early, kBody, t0 + limit / 2, nonce(3)), t0 + limit / 2);
  host.engine.close(early);
  CHECK(host.engine.open_count() == 3);

  // The relay of `relayed` touches it while its bytes pass through.
  for (int64_t t = t0; t <= t0 + 2 * limit; t += 1000) host.engine.touch(relayed, t);
  const uint32_t later = host.engine.open();
  host.settle(later, host.request(later, kBody, t0 + limit + 10, nonce(4)), t0 + limit + 10);
  // `lost` went silent past the limit; the never-stepped handle's clock started at the first sweep.
  CHECK(host.engine.open_count() == 3);
  const uint32_t last = host.engine.open();
  host.settle(last, host.request(last, kBody, t0 + 2 * limit + 5, nonce(5)), t0 + 2 * limit + 5);
  CHECK(host.engine.open_count() == 3);  // relayed, later (touched by its steps at +limit) and last

  // The swept ones answer as unknown; the touched one still finishes and bills.
  Action gone = host.stream_end(lost, "", t0 + 2 * limit + 20);
  CHECK(type_of(gone) == "respond");
  CHECK(gone.payload.find("unknown request handle") != std::string::npos);
  CHECK(type_of(host.engine.step(never_stepped, FakeHost::event({{"type", "rows"}, {"now", t0 + 2 * limit + 20}}), "")) == "respond");
  Action fin = host.stream_end(relayed, "data: [DONE]\n\n", t0 + 2 * limit + 20);
  CHECK(type_of(fin) == "finish");
  CHECK(keyaos::testing::background_named(fin, "ledger.insert_log"));
}

TEST_CASE("past the bound on open tasks a new request is refused with a 503 in OpenAI's shape", "[engine][sweep]") {
  FakeHost host;
  const int64_t now = 5'000'000;
  std::vector<uint32_t> held;
  for (size_t i = 0; i < Engine::kMaxOpenTasks; ++i) {
    const uint32_t h = host.engine.open();
    host.settle(h, host.request(h, kBody, now, nonce(static_cast<int>(i))), now);
    held.push_back(h);
  }
  REQUIRE(host.engine.open_count() == Engine::kMaxOpenTasks);
  const uint32_t extra = host.engine.open();
  Action refused = host.request(extra, kBody, now, nonce(99999));
  REQUIRE(type_of(refused) == "respond");
  CHECK(refused.head["status"] == 503);
  Json body = parse_json(refused.payload);
  CHECK(body["error"]["code"] == "overloaded");
  CHECK(body["error"]["type"] == "service_unavailable");
  host.engine.close(extra);
  host.engine.close(held.back());
  const uint32_t next = host.engine.open();
  CHECK(type_of(host.request(next, kBody, now, nonce(100000))) == "fetch");
}
