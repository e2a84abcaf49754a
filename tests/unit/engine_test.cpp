// Whole requests through keyaos::Engine with a host that does no I/O.
#include <catch2/catch.hpp>

#include "core/secrets.h"
#include "fake_host.h"
#include "statements.h"

using namespace keyaos;
using keyaos::testing::FakeHost;
using keyaos::testing::type_of;
using keyaos::testing::inserted;
using keyaos::testing::openai_stream;

namespace {

const char* kBody = R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]})";

// The log row among a finish action's background statements.
const Json* log_insert(const Action& finish) { return keyaos::testing::background_named(finish, "ledger.insert_log"); }

}  // namespace

TEST_CASE("overlapping streamed requests on one engine keep their own state", "[engine]") {
  FakeHost host;
  const uint32_t a = host.engine.open();
  const uint32_t b = host.engine.open();
  Action fa = host.settle(a, host.request(a, kBody, 1000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 1000);
  Action fb = host.settle(b, host.request(b, kBody, 1001, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), 1001);
  REQUIRE(type_of(fa) == "fetch");
  REQUIRE(type_of(fb) == "fetch");
  CHECK(str_field(fa.head, "url") == "https://api.openai.com/v1/chat/completions");

  // Interleave every step of the two streams.
  REQUIRE(type_of(host.head(b, 200, 1010)) == "read_chunk");
  REQUIRE(type_of(host.head(a, 200, 1011)) == "read_chunk");
  std::string stream_a = openai_stream({"Alpha", " one"}, 10, 2);
  std::string stream_b = openai_stream({"Beta", " two", " three"}, 20, 3);
  // Split right after each stream's first content event.
  size_t split_a = stream_a.find("\n\n", stream_a.find("Alpha")) + 2;
  size_t split_b = stream_b.find("\n\n", stream_b.find("Beta")) + 2;
  Action ca = host.chunk(a, stream_a.substr(0, split_a), 1020);
  Action cb = host.chunk(b, stream_b.substr(0, split_b), 1021);
  REQUIRE(type_of(ca) == "commit_stream");
  REQUIRE(type_of(cb) == "commit_stream");
  CHECK(ca.payload == stream_a.substr(0, split_a));
  CHECK(cb.payload == stream_b.substr(0, split_b));

  // After the commit the rest passes through the engine as writes.
  Action wb = host.chunk(b, stream_b.substr(split_b), 1028);
  Action wa = host.chunk(a, stream_a.substr(split_a), 1029);
  REQUIRE(type_of(wa) == "write");
  REQUIRE(type_of(wb) == "write");
  CHECK(wa.payload == stream_a.substr(split_a));
  CHECK(wb.payload == stream_b.substr(split_b));
  Action end_b = host.stream_end(b, "", 1030);
  Action end_a = host.stream_end(a, "", 1031);
  REQUIRE(type_of(end_a) == "finish");
  REQUIRE(type_of(end_b) == "finish");
  CHECK(end_a.payload.empty());  // finished with [DONE]: nothing to append
  CHECK(end_b.payload.empty());
  const Json* log_a = log_insert(end_a);
  const Json* log_b = log_insert(end_b);
  REQUIRE(log_a);
  REQUIRE(log_b);
  // Each request id is its own start and nonce.
  CHECK(inserted(*log_a, "id") == "req_0000000003e8-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  CHECK(inserted(*log_b, "id") == "req_0000000003e9-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  CHECK(inserted(*log_a, "input_tokens") == 10);
  CHECK(inserted(*log_a, "output_tokens") == 2);
  CHECK(inserted(*log_b, "input_tokens") == 20);
  CHECK(inserted(*log_b, "output_tokens") == 3);
  host.engine.close(a);
  host.engine.close(b);
  CHECK(host.engine.open_count() == 0);
}

TEST_CASE("a warm request reaches the upstream without SQL", "[engine]") {
  FakeHost host;
  const uint32_t first = host.engine.open();
  Action cold = host.request(first, kBody, 5000, "11111111111111111111111111111111");
  CHECK(type_of(cold) == "sql");
  host.settle(first, cold, 5000);
  host.engine.close(first);
  const uint32_t second = host.engine.open();
  CHECK(type_of(host.request(second, kBody, 6000, "22222222222222222222222222222222")) == "fetch");
}

TEST_CASE("a stream that stops before finishing ends with an error event and no [DONE]", "[engine]") {
  FakeHost host;
  const uint32_t h = host.engine.open();
  host.settle(h, host.request(h, kBody, 1000, "cccccccccccccccccccccccccccccccc"), 1000);
  host.head(h, 200, 1001);
  std::string stream = openai_stream({"Half"}, 5, 1);
  std::string cut = stream.substr(0, stream.find("\n\n", stream.find("Half")) + 2);
  REQUIRE(type_of(host.chunk(h, cut, 1002)) == "commit_stream");
  Action end = host.stream_end(h, "", 1003);
  CHECK(end.payload.find("data: {\"error\"") == 0);
  CHECK(end.payload.find("[DONE]") == std::string::npos);
  const Json* log = log_insert(end);
  REQUIRE(log);
  CHECK(inserted(*log, "status") == "error");
  CHECK(inserted(*log, "base_cost_nusd") == 0);  // no cost on a failed request
}

TEST_CASE("adding a credential seals the secret through the host and stores only ciphertext", "[engine]") {
  FakeHost host;
  const uint32_t h = host.engine.open();
  Json ev = {{"type", "request"}, {"method", "POST"}, {"path", "/api/credentials"}, {"query", ""},
             {"headers", {{"authorization", std::string("Bearer ") + keyaos::testing::kAdminToken}}}, {"now", 1000},
             {"nonce", "dddddddddddddddddddddddddddddddd"}};
  Action a = host.engine.step(h, FakeHost::event(ev), R"({"provider_id":"openai","secret":"sk-proj-abc0123456789","validate":false})");
  REQUIRE(type_of(a) == "crypto");
  CHECK(a.head["items"][0]["op"] == "seal");
  a = host.engine.step(h, FakeHost::event({{"type", "crypto"}, {"values", Json::array({{{"ciphertext", "CT"}, {"sha256", "HASH"}}})}, {"now", 1001}}), "");
  REQUIRE(type_of(a) == "sql");
  CHECK(dump_json(a.head["statements"]).find("sk-proj-abc0123456789") == std::string::npos);
  const Json* insert = keyaos::testing::statement_named(a, "credentials.insert");
  REQUIRE(insert);
  CHECK(inserted(*insert, "encrypted_secret") == "CT");
  Json row = {{"id", "cred_x"}, {"provider_id", "openai"}, {"secret_hint", "sk-pro...6789"}, {"price_multiplier", 1.0}, {"is_enabled", 1}, {"health", "ok"}};
  Json results = Json::array();
  for (size_t i = 0; i + 1 < a.head["statements"].size(); ++i) results.push_back(Json::array());
  results.push_back(Json::array({row}));
  a = host.engine.step(h, FakeHost::event({{"type", "rows"}, {"results", results}, {"now", 1002}}), "");
  REQUIRE(type_of(a) == "respond");
  CHECK(a.head["status"] == 201);
  CHECK(a.payload.find("sk-proj-abc0123456789") == std::string::npos);
}

TEST_CASE("the catalogue is seeded once per isolate, before its first catalogue read", "[engine][catalog]") {
  FakeHost host;
  auto get = [&](const char* path, int64_t now) {
    const uint32_t h = host.engine.open();
    Json ev = {{"type", "request"}, {"method", "GET"}, {"path", path}, {"query", ""},
               {"headers", {{"authorization", std::string("Bearer ") + keyaos::testing::kAdminToken}}}, {"now", now}};
    std::vector<std::string> names;
    Action a = host.engine.step(h, FakeHost::event(ev), "");
    while (type_of(a) == "sql") {
      for (const auto& s : a.head["statements"]) names.push_back(str_field(s, "name"));
      a = host.engine.step(h, FakeHost::event({{"type", "rows"}, {"results", host.rows_for(a)}, {"now", now}}), "");
    }
    CHECK(type_of(a) == "respond");
    host.engine.close(h);
    // Each distinct name once, in order.
    std::vector<std::string> distinct;
    for (const auto& n : names)
      if (distinct.empty() || distinct.back() != n) distinct.push_back(n);
    return distinct;
  };
  // No catalogue read, no seed.
  CHECK(get("/api/credentials", 1000) == std::vector<std::string>{"credentials.list", "health.owner_cooldowns"});
  // The first read waits for the snapshot; later ones do not.
  CHECK(get("/v1/models", 2000) == std::vector<std::string>{"catalog.seed_version", "catalog.upsert", "catalog.set_seed_version",
                                                            "catalog.active_models", "credentials.usable_multipliers"});
  CHECK(get("/api/catalog", 3000) == std::vector<std::string>{"catalog.browse"});
}

TEST_CASE("the host protocol has one codec, and an unknown event is refused", "[engine][protocol]") {
  SECTION("every event type reads back from its wire name") {
    for (int t = static_cast<int>(EventType::request); t <= static_cast<int>(EventType::follow_up); ++t) {
      const auto type = static_cast<EventType>(t);
      INFO(event_type_name(type));
      CHECK(event_type_from(event_type_name(type)) == type);
    }
    CHECK(event_type_from("") == EventType::unknown);
    CHECK(event_type_from("Upstream_head") == EventType::unknown);
    CHECK(event_type_from("upstream_head ") == EventType::unknown);
  }

  SECTION("actions carry the fields the host reads, and nothing unset") {
    CHECK(read_body_action(10, 20, true).head == Json{{"type", "read_body"}, {"max_bytes", 10}, {"idle_ms", 20}, {"whole", true}});
    CHECK(read_body_action(10, 20, false).head == Json{{"type", "read_body"}, {"max_bytes", 10}, {"idle_ms", 20}});
    FetchRequest get;
    get.url = "https://example.com/models";
    get.headers_timeout_ms = 5;
    const Action plain = fetch_action(get);
    CHECK(plain.head == Json{{"type", "fetch"}, {"url", "https://example.com/models"}, {"method", "GET"}, {"headers", Json::object()},
                             {"timeouts", {{"headers_ms", 5}}}});
    get.credential = sealed_credential("owner", "cred_1", "v2:abc");
    get.body = "x";
    const Action keyed = fetch_action(get);
    CHECK(keyed.head["credential"] == Json{{"id", "cred_1"}, {"ciphertext", "v2:abc"}, {"aad", credential_aad("owner", "cred_1")}});
    CHECK(keyed.payload == "x");
    CHECK(is_action(done_action(), ActionType::done));
    CHECK_FALSE(is_action(write_action("x"), ActionType::done));
  }

  SECTION("an event that is not one JSON object gets a 500") {
    FakeHost host;
    for (const char* event : {R"([{"type":"request"}])", R"({"type":"request")", R"({"type":"request"} x)", "", "\"request\"",
                              "{\"type\":\"req\xff\"}"}) {
      const uint32_t h = host.engine.open();
      Action a = host.engine.step(h, event, "");
      REQUIRE(type_of(a) == "respond");
      CHECK(int_field(a.head, "status") == 500);
      CHECK(a.payload.find("malformed engine event") != std::string::npos);
    }
  }

  SECTION("an encoded action is its head's length (4 bytes, little-endian), the head as dump_json writes it, then the payload") {
    Action action = write_action("payload \xff bytes");
    action.head["text"] = std::string("quote \" backslash \\ tab \t nul ") + '\0' + " bad \xc3( é";
    action.head["n"] = Json::array({1, -2, 0.5, 1e300});
    const std::string head = dump_json(action.head);
    const std::string encoded = encode_action(action);
    REQUIRE(encoded.size() == 4 + head.size() + action.payload.size());
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(static_cast<unsigned char>(encoded[i])) << (8 * i);
    CHECK(length == head.size());
    CHECK(encoded.substr(4, head.size()) == head);
    CHECK(encoded.substr(4 + head.size()) == action.payload);
  }

  SECTION("an event the protocol does not name gets a 500, before or during a request") {
    FakeHost host;
    const uint32_t fresh = host.engine.open();
    Action a = host.engine.step(fresh, R"({"type":"requests","now":1000})", "");
    REQUIRE(type_of(a) == "respond");
    CHECK(int_field(a.head, "status") == 500);
    CHECK(a.payload.find("unknown engine event") != std::string::npos);

    const uint32_t h = host.engine.open();
    Action fetch = host.settle(h, host.request(h, kBody, 1000, "cccccccccccccccccccccccccccccccc"), 1000);
    REQUIRE(type_of(fetch) == "fetch");
    a = host.engine.step(h, R"({"type":"upstream_heads","status":200,"now":1001})", "");
    REQUIRE(type_of(a) == "respond");
    CHECK(int_field(a.head, "status") == 500);
    CHECK(a.payload.find("unknown engine event") != std::string::npos);
  }
}
