// API-key quotas: a key with a quota reserves the request's expected cost in
// one D1 round trip before the upstream; a key without one costs none.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fake_host.h"
#include "statements.h"

using namespace keyaos;
using namespace keyaos::testing;

namespace {

const char* kBody = R"({"model":"gpt-4o-mini","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]})";
const char* kKey = "sk-keyaos-0123456789abcdef0123456789abcdef";

struct KeyHost : FakeHost {
  Json key_row;
  bool reservation_fits = true;
  int sql_actions = 0;

  Action request_with_key(uint32_t h, int64_t now, const std::string& nonce) {
    Json ev = {{"type", "request"}, {"method", "POST"}, {"path", "/v1/chat/completions"}, {"query", ""},
               {"headers", {{"authorization", std::string("Bearer ") + kKey}}}, {"now", now}, {"nonce", nonce}};
    return engine.step(h, event(ev), kBody);
  }

  // Plays the host until the engine asks for something other than SQL or a hash.
  Action run(uint32_t h, Action a, int64_t now) {
    for (;;) {
      const std::string type = type_of(a);
      if (type == "crypto") {
        a = engine.step(h, event({{"type", "crypto"}, {"values", Json::array({{{"sha256", "HASH"}}})}, {"now", now}}), "");
        continue;
      }
      if (type != "sql") return a;
      ++sql_actions;
      Json results = rows_for(a);
      const Json& statements = a.head["statements"];
      for (size_t i = 0; i < statements.size(); ++i) {
        const std::string name = str_field(statements[i], "name");
        if (name == "api_keys.by_hash") results[i] = Json::array({key_row});
        if (name == "ledger.reserve") results[i] = reservation_fits ? Json::array({{{"request_id", "r"}}}) : Json::array();
        if (name == "api_keys.spend") results[i] = Json::array({{{"used_nusd", 0}, {"quota_nusd", key_row["quota_nusd"]}}});
      }
      a = engine.step(h, event({{"type", "rows"}, {"results", results}, {"now", now}}), "");
    }
  }
};

Json key_row(Json quota) {
  return {{"id", "key_1"}, {"owner_id", "self"}, {"is_enabled", 1}, {"expires_at", nullptr}, {"quota_nusd", quota},
          {"used_nusd", 0}, {"allowed_models", nullptr}, {"allowed_ips", nullptr}};
}

}  // namespace

TEST_CASE("a warm request with an unlimited API key reaches the upstream with no SQL", "[quota]") {
  KeyHost host;
  host.key_row = key_row(nullptr);
  const uint32_t cold = host.engine.open();
  REQUIRE(type_of(host.run(cold, host.request_with_key(cold, 1000, "11111111111111111111111111111111"), 1000)) == "fetch");
  host.engine.close(cold);
  host.sql_actions = 0;
  const uint32_t warm = host.engine.open();
  REQUIRE(type_of(host.run(warm, host.request_with_key(warm, 2000, "22222222222222222222222222222222"), 2000)) == "fetch");
  CHECK(host.sql_actions == 0);
}

TEST_CASE("a warm request with a quota'd API key reserves its estimate in one round trip", "[quota]") {
  KeyHost host;
  host.key_row = key_row(5'000'000);
  const uint32_t cold = host.engine.open();
  host.run(cold, host.request_with_key(cold, 1000, "11111111111111111111111111111111"), 1000);
  host.engine.close(cold);
  host.sql_actions = 0;
  const uint32_t warm = host.engine.open();
  Action a = host.request_with_key(warm, 2000, "22222222222222222222222222222222");
  REQUIRE(type_of(a) == "crypto");  // the key's hash; the key itself comes from the cache
  a = host.engine.step(warm, FakeHost::event({{"type", "crypto"}, {"values", Json::array({{{"sha256", "HASH"}}})}, {"now", 2000}}), "");
  REQUIRE(type_of(a) == "sql");
  REQUIRE(a.head["statements"].size() == 3);
  // 1000 output tokens at $0.60/M with the credential's 0.5 multiplier, plus the prompt: >= 300,000 nano-USD.
  // (store_test checks that the reservation fits the quota in SQL, and its parameters.)
  const Json* take = statement_named(a, "ledger.reserve");
  REQUIRE(take);
  CHECK(take->at("params")[0] == "req_0000000007d0-22222222222222222222222222222222");
  CHECK(take->at("params")[1].get<int64_t>() >= 300000);
  CHECK(take->at("params")[1].get<int64_t>() < 301000);
  CHECK(type_of(host.run(warm, a, 2000)) == "fetch");
  CHECK(host.sql_actions == 1);

  // The ledger batch settles: usage added, reservation released.
  host.head(warm, 200, 2010);
  std::string body = R"({"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":100,"total_tokens":110}})";
  Action done = host.body(warm, body, 2020);
  REQUIRE(type_of(done) == "respond");
  CHECK(background_named(done, "ledger.charge_api_key"));
  const Json* release = background_named(done, "ledger.release_reservation");
  REQUIRE(release);
  CHECK(release->at("params") == Json::array({"req_0000000007d0-22222222222222222222222222222222"}));
}

TEST_CASE("a reservation that does not fit is refused with 429 key_quota_exceeded before the upstream", "[quota]") {
  KeyHost host;
  host.key_row = key_row(5'000'000);
  host.reservation_fits = false;
  const uint32_t h = host.engine.open();
  Action a = host.run(h, host.request_with_key(h, 1000, "33333333333333333333333333333333"), 1000);
  REQUIRE(type_of(a) == "respond");
  CHECK(a.head["status"] == 429);
  Json body = parse_json(a.payload);
  CHECK(body["error"]["code"] == "key_quota_exceeded");
  CHECK(body["error"]["type"] == "insufficient_quota");
  CHECK(body["error"].contains("param"));
}

TEST_CASE("every balance update of the ledger batch acts only before the log row exists", "[ledger]") {
  KeyHost host;
  host.key_row = key_row(nullptr);
  const uint32_t h = host.engine.open();
  REQUIRE(type_of(host.run(h, host.request_with_key(h, 1000, "44444444444444444444444444444444"), 1000)) == "fetch");
  host.head(h, 200, 1010);
  std::string body = R"({"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":100,"total_tokens":110}})";
  Action done = host.body(h, body, 1020);
  REQUIRE(type_of(done) == "respond");
  const Json& statements = done.head["background"];
  REQUIRE(statements.size() >= 4);
  // Both balance updates are guarded by the log row's absence (the guard's
  // SQL is checked in store_test), looked up by this request's id and start.
  size_t updates = 0;
  for (const auto& s : statements) {
    const std::string name = str_field(s, "name");
    if (name != "ledger.charge_credential" && name != "ledger.charge_api_key") continue;
    ++updates;
    const Json& params = s.at("params");
    CHECK(std::find(params.begin(), params.end(), Json("req_0000000003e8-44444444444444444444444444444444")) != params.end());
    CHECK(std::find(params.begin(), params.end(), Json(1000)) != params.end());
  }
  CHECK(updates == 2);
  // The log row is the batch's last statement: its presence marks the batch as applied.
  CHECK(str_field(statements.back(), "name") == "ledger.insert_log");
}
