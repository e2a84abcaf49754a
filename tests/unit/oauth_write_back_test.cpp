// The OAuth write-back and refresh across isolates, driven through the
// engine with the fake host: compare-and-swap on the ciphertext read, the
// newer state adopted after a lost race or a refused refresh, and a failed
// D1 write retried until it lands.
#include <catch2/catch.hpp>

#include "fake_host.h"
#include "statements.h"

using namespace keyaos;
using namespace keyaos::testing;

namespace {

const int64_t kNow = 1'800'000'000'000;
const char* kChat = R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":"hi"}]})";
const char* kStale = R"({"refreshToken":"aorOriginalxxxxxxxxxxxxxxxx","authMethod":"social","expiresAt":"2020-01-01T00:00:00.000Z"})";
const char* kRefreshed = R"({"accessToken":"aoaFreshxxxxxxxxxxxxxxxx","refreshToken":"aorRotatedByUsxxxxxxxxxxxx","expiresIn":3600})";
const char* kInvalidGrant = R"({"error":"invalid_grant","error_description":"Invalid refresh token provided"})";

struct KiroHost : FakeHost {
  KiroHost() {
    engine.init(R"({"admin_token":"bench-admin-token","encryption_configured":true,
      "upstream_base_urls":{"kiro":"http://kiro.test","kiro:oauth":"http://auth.test"}})");
    credentials = Json::array({{{"id", "cred_o"}, {"owner_id", "self"}, {"provider_id", "kiro"}, {"secret_hint", "social aor...xxxx"},
                                {"encrypted_secret", "v2:sealed-0"}, {"price_multiplier", 1.0}, {"quota_nusd", nullptr},
                                {"is_enabled", 1}, {"health", "ok"}, {"dead_reason", nullptr}}});
    offerings = Json::array({{{"provider_id", "kiro"}, {"model_id", "anthropic/claude-sonnet-4.5"}, {"upstream_model_id", "claude-sonnet-4.5"},
                              {"input_price", 3.0}, {"output_price", 15.0}, {"cache_read_price", nullptr}, {"cache_write_price", nullptr}}});
  }
  Action crypto(uint32_t h, const Json& values, int64_t now) { return engine.step(h, event({{"type", "crypto"}, {"values", values}, {"now", now}}), ""); }
  Action opened(uint32_t h, const std::string& plaintext, int64_t now) { return crypto(h, Json::array({{{"plaintext", plaintext}}}), now); }
  Action sealed(uint32_t h, const std::string& ciphertext, int64_t now) { return crypto(h, Json::array({{{"ciphertext", ciphertext}, {"sha256", "x"}}}), now); }
  Action rows(uint32_t h, const Json& results, int64_t now) { return engine.step(h, event({{"type", "rows"}, {"results", results}, {"now", now}}), ""); }
  Action sql_error(uint32_t h, int64_t now) {
    return engine.step(h, event({{"type", "rows"}, {"results", Json::array()}, {"error", "D1_ERROR: database is locked"}, {"now", now}}), "");
  }
  Action timer(uint32_t h, int64_t now) { return engine.step(h, event({{"type", "timer"}, {"now", now}}), ""); }

  // A new request up to its token refresh (the stale credential opened).
  Action to_refresh(uint32_t h, const std::string& nonce) {
    Action a = settle(h, request(h, kChat, kNow, nonce), kNow);
    REQUIRE(type_of(a) == "crypto");
    CHECK(a.head["items"][0]["aad"] == "keyaos:credential:self:cred_o");
    a = opened(h, kStale, kNow);
    REQUIRE(type_of(a) == "fetch");
    REQUIRE(a.head["url"] == "http://auth.test/refreshToken");
    return a;
  }
  // A new request whose refresh token the token endpoint refuses (invalid_grant).
  Action refresh_refused(uint32_t h) {
    to_refresh(h, "00112233445566778899aabbccddeeff");
    head(h, 400, kNow);
    return body(h, kInvalidGrant, kNow);
  }
  // The refresh answered: returns the compare-and-swap write-back.
  Action refreshed_and_sealed(uint32_t h, const std::string& sealed_as) {
    Action a = head(h, 200, kNow);
    REQUIRE(type_of(a) == "read_body");
    a = body(h, kRefreshed, kNow);
    REQUIRE(type_of(a) == "crypto");
    REQUIRE(a.head["items"][0]["op"] == "seal");
    CHECK(a.head["items"][0]["aad"] == "keyaos:credential:self:cred_o");
    a = sealed(h, sealed_as, kNow);
    REQUIRE(type_of(a) == "sql");
    return a;
  }
};

Json row_with(const std::string& ciphertext) { return Json::array({{{"encrypted_secret", ciphertext}}}); }

bool marks_dead(const Action& a) {
  return statement_named(a, "credentials.mark_dead") || background_named(a, "credentials.mark_dead");
}

// The compare-and-swap write-back's parameter: 0 the new ciphertext, 5 the one it replaces (see store_test).
Json write_back_param(const Action& a, size_t i) {
  const Json* cas = statement_named(a, "oauth.write_back");
  return cas ? cas->at("params")[i] : Json("no write-back");
}

}  // namespace

TEST_CASE("OAuth write-back: a lost compare-and-swap reloads the newer state from D1", "[secrets][oauth]") {
  KiroHost host;
  const uint32_t h = host.engine.open();
  host.to_refresh(h, "00112233445566778899aabbccddeeff");
  Action a = host.refreshed_and_sealed(h, "v2:sealed-ours");
  // Compared against the ciphertext that was opened (and checked by RETURNING, see store_test).
  REQUIRE(write_back_param(a, 5) == "v2:sealed-0");
  // Another isolate wrote first: nothing returned, the row holds its state.
  a = host.rows(h, Json::array({Json::array(), row_with("v2:sealed-theirs")}), kNow + 1);
  REQUIRE(type_of(a) == "crypto");
  REQUIRE(a.head["items"][0]["op"] == "open");
  REQUIRE(a.head["items"][0]["ciphertext"] == "v2:sealed-theirs");
  a = host.opened(h, R"({"refreshToken":"aorTheirsxxxxxxxxxxxxxxxxx","accessToken":"aoaTheirsxxxxxxxxxxxxxxxx","expiresAt":"2030-01-01T00:00:00.000Z","authMethod":"social"})", kNow + 2);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://kiro.test/generateAssistantResponse");
  REQUIRE(a.head["headers"]["authorization"] == "Bearer aoaTheirsxxxxxxxxxxxxxxxx");

  // The next request uses the adopted state: no open, no refresh, no write.
  const uint32_t h2 = host.engine.open();
  host.credentials[0]["encrypted_secret"] = "v2:sealed-theirs";
  a = host.settle(h2, host.request(h2, kChat, kNow + 10, "ffeeddccbbaa99887766554433221100"), kNow + 10);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["headers"]["authorization"] == "Bearer aoaTheirsxxxxxxxxxxxxxxxx");
}

TEST_CASE("OAuth refresh: invalid_grant after another isolate rotated the token reloads and retries", "[secrets][oauth]") {
  KiroHost host;
  const uint32_t h = host.engine.open();
  Action a = host.refresh_refused(h);
  // Not dead yet: the row is read again.
  REQUIRE(type_of(a) == "sql");
  REQUIRE(statement_named(a, "oauth.read_secret"));
  // Still the refused state (the other isolate's write is on the way): look again shortly.
  a = host.rows(h, Json::array({row_with("v2:sealed-0")}), kNow + 1);
  REQUIRE(type_of(a) == "sleep");
  a = host.timer(h, kNow + 250);
  REQUIRE(type_of(a) == "sql");
  a = host.rows(h, Json::array({row_with("v2:sealed-rotated")}), kNow + 251);
  REQUIRE(type_of(a) == "crypto");
  REQUIRE(a.head["items"][0]["ciphertext"] == "v2:sealed-rotated");
  // The newer state's access token has expired too: refreshed with the newer refresh token.
  a = host.opened(h, R"({"refreshToken":"aorRotatedElsewherexxxxxxx","authMethod":"social","expiresAt":"2020-01-01T00:00:00.000Z"})", kNow + 252);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://auth.test/refreshToken");
  REQUIRE(a.payload.find("aorRotatedElsewhere") != std::string::npos);
  a = host.refreshed_and_sealed(h, "v2:sealed-next");
  REQUIRE(write_back_param(a, 5) == "v2:sealed-rotated");
  REQUIRE_FALSE(marks_dead(a));
  a = host.rows(h, Json::array({Json::array({{{"id", "cred_o"}}}), row_with("v2:sealed-next")}), kNow + 260);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["url"] == "http://kiro.test/generateAssistantResponse");
  REQUIRE(a.head["headers"]["authorization"] == "Bearer aoaFreshxxxxxxxxxxxxxxxx");
}

TEST_CASE("OAuth refresh: invalid_grant with the same token still in D1 is a dead credential", "[secrets][oauth]") {
  KiroHost host;
  const uint32_t h = host.engine.open();
  Action a = host.refresh_refused(h);
  int64_t now = kNow;
  int polls = 0;
  while (type_of(a) == "sql" || type_of(a) == "sleep") {
    REQUIRE(++polls < 20);
    if (type_of(a) == "sleep") a = host.timer(h, now += 250);
    else a = host.rows(h, Json::array({row_with("v2:sealed-0")}), now);
  }
  REQUIRE(type_of(a) == "respond");
  REQUIRE(int_field(a.head, "status") == 502);
  REQUIRE(marks_dead(a));
  // The client is not told why the upstream refused the credential.
  REQUIRE(a.payload.find("Invalid refresh token") == std::string::npos);
  REQUIRE(a.payload.find("refused the gateway's credential") != std::string::npos);
}

TEST_CASE("OAuth write-back: a failed D1 write is retried and kept until it lands", "[secrets][oauth]") {
  KiroHost host;
  const uint32_t h = host.engine.open();
  host.to_refresh(h, "00112233445566778899aabbccddeeff");
  Action a = host.refreshed_and_sealed(h, "v2:sealed-ours");
  int64_t now = kNow;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(type_of(a) == "sql");
    REQUIRE(write_back_param(a, 0) == "v2:sealed-ours");
    a = host.sql_error(h, now += 5);
    if (i < 2) {
      REQUIRE(type_of(a) == "sleep");
      a = host.timer(h, now += int_field(a.head, "ms"));
    }
  }
  // D1 is still down: the request is served from memory meanwhile.
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["headers"]["authorization"] == "Bearer aoaFreshxxxxxxxxxxxxxxxx");
  // The next request writes the rotated state before anything else.
  const uint32_t h2 = host.engine.open();
  a = host.request(h2, kChat, kNow + 100, "ffeeddccbbaa99887766554433221100");  // the routing table is cached
  REQUIRE(type_of(a) == "sql");
  REQUIRE(str_field(a.head["statements"][0], "name") == "oauth.write_back");
  REQUIRE(write_back_param(a, 0) == "v2:sealed-ours");
  REQUIRE(write_back_param(a, 5) == "v2:sealed-0");
  a = host.rows(h2, Json::array({Json::array({{{"id", "cred_o"}}}), row_with("v2:sealed-ours")}), kNow + 101);
  REQUIRE(type_of(a) == "fetch");
  // Landed: a third request goes straight to the upstream.
  const uint32_t h3 = host.engine.open();
  a = host.settle(h3, host.request(h3, kChat, kNow + 200, "0123456789abcdef0123456789abcdef"), kNow + 200);
  REQUIRE(type_of(a) == "fetch");
}
