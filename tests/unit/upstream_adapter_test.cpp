// The upstream adapters driven through the engine with a fake host: the
// OAuth preparation (open, refresh, single flight, persist), the requests
// they build, and translated streams committed in transform mode.
#include <catch2/catch.hpp>

#include "core/oauth_cache.h"
#include "fake_host.h"
#include "protocols/aws_eventstream/encoder.h"
#include "protocols/google_v1internal/credentials.h"
#include "protocols/kiro/credentials.h"

using namespace keyaos;
using keyaos::testing::FakeHost;
using keyaos::testing::type_of;

namespace {

Event no_event() { return {}; }

std::string kiro_event(const std::string& type, const std::string& json) { return aws_eventstream::encode_event(type, json); }

Json credential_row(const std::string& id, const std::string& provider) {
  return {{"id", id}, {"owner_id", "self"}, {"provider_id", provider}, {"secret_hint", "aor...abcd"}, {"encrypted_secret", "v2:sealed-" + id},
          {"price_multiplier", 1.0}, {"quota_nusd", nullptr}, {"is_enabled", 1}, {"health", "ok"}, {"dead_reason", nullptr}};
}

struct OAuthHost : FakeHost {
  explicit OAuthHost(const std::string& provider, const std::string& model, const std::string& upstream_model) {
    engine.init(R"({"admin_token":"bench-admin-token","encryption_configured":true,
      "upstream_base_urls":{"kiro":"http://kiro.test","kiro:oauth":"http://auth.test",
                            "gemini-cli":"http://google.test","gemini-cli:oauth":"http://token.test"}})");
    credentials = Json::array({credential_row("cred_o", provider)});
    offerings = Json::array({{{"provider_id", provider}, {"model_id", model}, {"upstream_model_id", upstream_model},
                              {"input_price", 3.0}, {"output_price", 15.0}, {"cache_read_price", nullptr}, {"cache_write_price", nullptr}}});
  }
  Action crypto(uint32_t h, const Json& values, int64_t now) {
    return engine.step(h, event({{"type", "crypto"}, {"values", values}, {"now", now}}), "");
  }
  Action rows(uint32_t h, int64_t now) { return engine.step(h, event({{"type", "rows"}, {"results", Json::array({Json::array()})}, {"now", now}}), ""); }
  // D1's answer to a compare-and-swap write-back that applied: the RETURNING row, then the row read back.
  Action written(uint32_t h, const std::string& ciphertext, int64_t now) {
    Json results = Json::array({Json::array({{{"id", "cred_o"}}}), Json::array({{{"encrypted_secret", ciphertext}}})});
    return engine.step(h, event({{"type", "rows"}, {"results", results}, {"now", now}}), "");
  }
  Action sql_rows(uint32_t h, const Json& results, int64_t now) {
    return engine.step(h, event({{"type", "rows"}, {"results", results}, {"now", now}}), "");
  }
  Action sql_error(uint32_t h, int64_t now) {
    return engine.step(h, event({{"type", "rows"}, {"results", Json::array()}, {"error", "D1_ERROR: database is locked"}, {"now", now}}), "");
  }
  Action timer(uint32_t h, int64_t now) { return engine.step(h, event({{"type", "timer"}, {"now", now}}), ""); }
};

const int64_t kNow = 1'800'000'000'000;

}  // namespace

TEST_CASE("OAuth cache: one setup in flight per credential, stale claims taken over") {
  OAuthCache cache;
  const uint64_t a = cache.next_owner(), b = cache.next_owner();
  REQUIRE(cache.find("c1", "x") == nullptr);
  OAuthEntry& e = cache.store_opened("c1", "x");
  e.open(kiro::Credential{});
  REQUIRE(cache.find("c1", "x") != nullptr);
  // An adapter reads only the state its own kind opened.
  CHECK(e.opened<kiro::Credential>() != nullptr);
  CHECK(e.opened<google_v1internal::Credentials>() == nullptr);
  REQUIRE(cache.find("c1", "other") == nullptr);

  REQUIRE(cache.try_begin_setup("c1", a, 1000, 5000));
  REQUIRE_FALSE(cache.try_begin_setup("c1", b, 2000, 5000));
  REQUIRE(cache.setup_in_flight("c1", 2000, 5000));
  cache.end_setup("c1", b);  // not b's claim: nothing changes
  REQUIRE(cache.setup_in_flight("c1", 2000, 5000));
  REQUIRE(cache.try_begin_setup("c1", b, 7000, 5000));  // a's claim went stale
  cache.end_setup("c1", b);
  REQUIRE_FALSE(cache.setup_in_flight("c1", 7000, 5000));

  // A sealed successor is recognised; so is the ciphertext it came from.
  cache.add_sealed("c1", "y");
  REQUIRE(cache.find("c1", "y") != nullptr);
  REQUIRE(cache.find("c1", "x") != nullptr);
}

TEST_CASE("Kiro adapter: open, refresh with rotation, persist, then a translated stream") {
  OAuthHost host("kiro", "anthropic/claude-sonnet-4.5", "claude-sonnet-4.5");
  const uint32_t h = host.engine.open();
  Action a = host.settle(h, host.request(h, R"({"model":"anthropic/claude-sonnet-4.5","stream":true,"messages":[{"role":"user","content":"hi"}]})", kNow, "00112233445566778899aabbccddeeff"), kNow);

  // 1. The sealed credential is opened by the host.
  REQUIRE(type_of(a) == "crypto");
  REQUIRE(a.head["items"][0]["op"] == "open");
  REQUIRE(a.head["items"][0]["ciphertext"] == "v2:sealed-cred_o");
  a = host.crypto(h, Json::array({{{"plaintext", R"({"refreshToken":"aorOriginalxxxxxxxxxxxxxxxx","authMethod":"social","expiresAt":"2020-01-01T00:00:00.000Z"})"}}}), kNow);

  // 2. The stale token is refreshed at the overridden origin; no secret goes to a header template.
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://auth.test/refreshToken");
  REQUIRE_FALSE(a.head.contains("credential"));
  REQUIRE(a.payload.find("aorOriginal") != std::string::npos);
  a = host.head(h, 200, kNow);
  REQUIRE(type_of(a) == "read_body");
  a = host.body(h, R"({"accessToken":"aoaFreshxxxxxxxxxxxxxxxx","refreshToken":"aorRotatedxxxxxxxxxxxxxxxx","profileArn":"arn:aws:codewhisperer:us-east-1:123456789012:profile/ABC","expiresIn":3600})", kNow);

  // 3. The rotated state is sealed and written back without a plaintext in SQL.
  REQUIRE(type_of(a) == "crypto");
  REQUIRE(a.head["items"][0]["op"] == "seal");
  REQUIRE(str_field(a.head["items"][0], "text").find("aorRotated") != std::string::npos);
  a = host.crypto(h, Json::array({{{"ciphertext", "sealed-v2"}, {"sha256", "x"}}}), kNow);
  REQUIRE(type_of(a) == "sql");
  const std::string statements = dump_json(a.head["statements"]);
  REQUIRE(str_field(a.head["statements"][0], "name") == "oauth.write_back");
  REQUIRE(statements.find("sealed-v2") != std::string::npos);
  REQUIRE(statements.find("aor") == std::string::npos);
  REQUIRE(statements.find("aoa") == std::string::npos);
  a = host.written(h, "sealed-v2", kNow);

  // 4. The chat call: Kiro's endpoint, the fresh token, the profile.
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://kiro.test/generateAssistantResponse");
  REQUIRE(a.head["headers"]["authorization"] == "Bearer aoaFreshxxxxxxxxxxxxxxxx");
  REQUIRE(a.payload.find("profile/ABC") != std::string::npos);

  // 5. Frames are translated; content commits the stream, and later frames
  // come back translated as writes.
  a = host.head(h, 200, kNow);
  REQUIRE(type_of(a) == "read_chunk");
  a = host.chunk(h, kiro_event("assistantResponseEvent", R"({"content":"Hello"})"), kNow);
  REQUIRE(type_of(a) == "commit_stream");
  REQUIRE(a.payload.find(R"("content":"Hello")") != std::string::npos);
  a = host.chunk(h, kiro_event("assistantResponseEvent", R"({"content":" there"})"), kNow);
  REQUIRE(type_of(a) == "write");
  REQUIRE(a.payload.find(R"("content":" there")") != std::string::npos);
  a = host.stream_end(h, "", kNow + 10);
  REQUIRE(type_of(a) == "finish");
  REQUIRE(a.payload.find("\"finish_reason\":\"stop\"") != std::string::npos);
  REQUIRE(a.payload.find("data: [DONE]") != std::string::npos);
  const std::string ledger = dump_json(a.head["background"]);
  REQUIRE(ledger.find("INTO request_logs") != std::string::npos);

  // A warm request reuses the cached token: straight to the chat call.
  const uint32_t h2 = host.engine.open();
  a = host.settle(h2, host.request(h2, R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":"hi"}]})", kNow + 20, "ffeeddccbbaa99887766554433221100"), kNow + 20);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://kiro.test/generateAssistantResponse");
}

TEST_CASE("Google adapter: a second request waits for the first one's refresh") {
  OAuthHost host("gemini-cli", "google/gemini-2.5-flash", "gemini-2.5-flash");
  const std::string body = R"({"model":"google/gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const std::string creds = R"({"refresh_token":"1//0gRefreshxxxxxxxxxxxxxxxx","project_id":"proj-1"})";
  const uint32_t h1 = host.engine.open(), h2 = host.engine.open();
  Action a1 = host.settle(h1, host.request(h1, body, kNow, "0123456789abcdef0123456789abcdef"), kNow);
  Action a2 = host.settle(h2, host.request(h2, body, kNow, "abcdef0123456789abcdef0123456789"), kNow);
  REQUIRE(type_of(a1) == "crypto");
  REQUIRE(type_of(a2) == "crypto");
  a1 = host.crypto(h1, Json::array({{{"plaintext", creds}}}), kNow);
  REQUIRE(type_of(a1) == "fetch");
  REQUIRE(a1.head["url"] == "http://token.test/token");
  a2 = host.crypto(h2, Json::array({{{"plaintext", creds}}}), kNow);
  REQUIRE(type_of(a2) == "sleep");  // single flight: no second refresh
  a2 = host.timer(h2, kNow + 50);
  REQUIRE(type_of(a2) == "sleep");

  a1 = host.head(h1, 200, kNow + 60);
  a1 = host.body(h1, R"({"access_token":"ya29.fresh","expires_in":3599,"token_type":"Bearer"})", kNow + 60);
  REQUIRE(type_of(a1) == "crypto");  // seal (the project was already known: no discovery)
  a1 = host.crypto(h1, Json::array({{{"ciphertext", "sealed-g2"}, {"sha256", "x"}}}), kNow + 60);
  REQUIRE(type_of(a1) == "sql");
  a1 = host.written(h1, "sealed-g2", kNow + 61);
  REQUIRE(type_of(a1) == "fetch");
  REQUIRE(a1.head["url"] == "http://google.test/v1internal:streamGenerateContent?alt=sse");
  REQUIRE(a1.head["headers"]["authorization"] == "Bearer ya29.fresh");
  Json envelope = parse_json(a1.payload);
  REQUIRE(envelope["project"] == "proj-1");
  REQUIRE(envelope["model"] == "gemini-2.5-flash");

  a2 = host.timer(h2, kNow + 100);
  REQUIRE(type_of(a2) == "fetch");
  REQUIRE(a2.head["headers"]["authorization"] == "Bearer ya29.fresh");
  (void)no_event;
}

TEST_CASE("Google adapter: a rate limit fails over with the Retry-After of RetryInfo") {
  OAuthHost host("gemini-cli", "google/gemini-2.5-flash", "gemini-2.5-flash");
  const uint32_t h = host.engine.open();
  Action a = host.settle(h, host.request(h, R"({"model":"google/gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]})", kNow, "0123456789abcdef0123456789abcdef"), kNow);
  REQUIRE(type_of(a) == "crypto");
  a = host.crypto(h, Json::array({{{"plaintext", R"({"refresh_token":"1//0gRefreshxxxxxxxxxxxxxxxx","access_token":"ya29.valid","expiry_date":1900000000000,"project_id":"p"})"}}}), kNow);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://google.test/v1internal:generateContent");
  a = host.head(h, 429, kNow);
  REQUIRE(type_of(a) == "read_body");
  a = host.body(h, R"({"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}})", kNow);
  a = host.settle(h, a, kNow);
  REQUIRE(type_of(a) == "respond");
  REQUIRE(int_field(a.head, "status") == 429);
  REQUIRE(str_field(a.head["headers"], "retry-after") == "7");
}
