// Secrets outside their ciphertext: hints, accepted formats, what reaches
// /v1 clients, the row binding of sealed values and the host's cache drops.
#include <catch2/catch.hpp>

#include "api/credentials.h"
#include "core/secrets.h"
#include "fake_host.h"

using namespace keyaos;
using keyaos::testing::FakeHost;
using keyaos::testing::type_of;

namespace {

const int64_t kNow = 1'800'000'000'000;

}  // namespace

TEST_CASE("hints show at most 4 trailing characters and never more than a quarter", "[secrets]") {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t n = 0; n <= 60; ++n) {
    const std::string secret = alphabet.substr(0, n);
    const std::string hint = api::secret_hint(secret);
    size_t shown = 0;
    for (char c : hint) shown += alphabet.find(c) != std::string::npos;
    CHECK(shown <= 4);
    CHECK(shown * 4 <= n);
    if (n >= 4) CHECK(hint.substr(hint.size() - shown) == secret.substr(n - shown));
  }
  // A 13-character key shows 3 characters, none from its start.
  CHECK(api::secret_hint("sk-abcdefghij") == "...hij");
  CHECK(api::secret_hint("short") == "...t");
  CHECK(api::secret_hint("abc") == "***");
  CHECK(tail_hint("aorRefreshTokenxxxxxxxxwxyz", "aor") == "aor...wxyz");
}

TEST_CASE("secrets must be header-safe, bounded printable ASCII", "[secrets]") {
  CHECK(secret_format_error("sk-or-v1-0123456789abcdef").empty());
  CHECK(secret_format_error("key with spaces ~!@#$%^&*()").empty());
  CHECK_FALSE(secret_format_error("sk-abc\r\nX-Injected: 1").empty());
  CHECK_FALSE(secret_format_error("sk-abc\ndef").empty());
  CHECK_FALSE(secret_format_error("sk-\x01" "abc").empty());
  CHECK_FALSE(secret_format_error("sk-\x7f" "abc").empty());
  CHECK_FALSE(secret_format_error("sk-caf\xc3\xa9-0123456789").empty());
  CHECK(secret_format_error("sk-caf\xc3\xa9").find("non-ASCII") != std::string::npos);
  CHECK(secret_format_error(std::string(kMaxPlainSecretBytes, 'a')).empty());
  CHECK_FALSE(secret_format_error(std::string(kMaxPlainSecretBytes + 1, 'a')).empty());
  // A pasted credential file keeps its line breaks, but nothing else outside ASCII.
  CHECK(secret_format_error("{\n  \"refresh_token\": \"1//0g\",\r\n\t\"x\": 1\n}").empty());
  CHECK_FALSE(secret_format_error("{\"refresh_token\": \"1//0g\xe2\x80\x8b\"}").empty());
  CHECK_FALSE(secret_format_error(std::string("{\"a\":\"\0\"}", 9)).empty());
  CHECK_FALSE(secret_format_error("{" + std::string(kMaxSecretFileBytes, ' ') + "}").empty());
}

TEST_CASE("upstream error text for /v1 clients carries no credential details", "[secrets]") {
  const std::string openai = redact_credential_details(
      "Incorrect API key provided: sk-proj-********************************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.");
  CHECK(openai.find("abcd") == std::string::npos);
  CHECK(openai.find("Incorrect API key provided: [redacted].") != std::string::npos);
  CHECK(openai.find("https://platform.openai.com/account/api-keys") != std::string::npos);
  const std::string google = redact_credential_details("Permission denied for user jane.doe+ai@example.com on project 1//0gAbCdEf0123456789xyzXYZ");
  CHECK(google.find("jane") == std::string::npos);
  CHECK(google.find("example.com") == std::string::npos);
  CHECK(google.find("AbCdEf0123456789") == std::string::npos);
  CHECK(redact_credential_details("bad key AIzaSyD3x4mPl3K3yV4lu3abcdefghijklmno") == "bad key [redacted]");
  // What a client needs stays.
  const std::string context = "This model's maximum context length is 128000 tokens. However, you requested 130532 tokens.";
  CHECK(redact_credential_details(context) == context);
  CHECK(redact_credential_details("model claude-sonnet-4-5-20250929 is not available") == "model claude-sonnet-4-5-20250929 is not available");
  CHECK(redact_credential_details("Meta-Llama-3.1-70B-Instruct-Turbo") == "Meta-Llama-3.1-70B-Instruct-Turbo");
}

TEST_CASE("the /v1 credential header is the credential id, never its hint", "[secrets]") {
  FakeHost host;
  const uint32_t h = host.engine.open();
  Action a = host.settle(h, host.request(h, R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})", kNow, "00112233445566778899aabbccddeeff"), kNow);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["credential"]["aad"] == "keyaos:credential:self:cred_a");
  a = host.head(h, 200, kNow);
  a = host.body(h, R"({"id":"x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}})", kNow);
  REQUIRE(type_of(a) == "respond");
  REQUIRE(a.head["headers"]["x-keyaos-credential"] == "cred_a");
  REQUIRE(dump_json(a.head["headers"]).find("cdef") == std::string::npos);
}

TEST_CASE("deleted, edited or re-sealed credentials are named for the host to drop their secrets", "[secrets]") {
  FakeHost host;
  const uint32_t h = host.engine.open();
  Json del = {{"type", "request"}, {"method", "DELETE"}, {"path", "/api/credentials/cred_a"}, {"query", ""},
              {"headers", {{"authorization", std::string("Bearer ") + keyaos::testing::kAdminToken}}}, {"now", kNow}, {"nonce", "00112233445566778899aabbccddeeff"}};
  Action a = host.engine.step(h, FakeHost::event(del), "");
  REQUIRE(type_of(a) == "sql");
  a = host.engine.step(h, FakeHost::event({{"type", "rows"}, {"results", Json::array({Json::array({{{"id", "cred_a"}}}), Json::array()})}, {"now", kNow}}), "");
  REQUIRE(type_of(a) == "respond");
  REQUIRE(a.head["forget_secrets"] == Json::array({"cred_a"}));

  // Another isolate changed the secret: the next load of the routing table names it too.
  FakeHost other;
  const uint32_t h1 = other.engine.open();
  const char* body = R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
  a = other.settle(h1, other.request(h1, body, kNow, "00112233445566778899aabbccddeeff"), kNow);
  REQUIRE(type_of(a) == "fetch");
  REQUIRE_FALSE(a.head.contains("forget_secrets"));
  other.credentials[0]["encrypted_secret"] = "v2:replaced";
  const uint32_t h2 = other.engine.open();
  a = other.request(h2, body, kNow + 60'000, "ffeeddccbbaa99887766554433221100");
  REQUIRE(type_of(a) == "sql");
  a = other.engine.step(h2, FakeHost::event({{"type", "rows"}, {"results", other.rows_for(a)}, {"now", kNow + 60'000}}), "");
  REQUIRE(a.head["forget_secrets"] == Json::array({"cred_a"}));
}

TEST_CASE("a ciphertext sealed without additional data is sealed again for its row", "[secrets]") {
  FakeHost host;
  host.credentials[0]["encrypted_secret"] = "bGVnYWN5";  // the format before v2
  const uint32_t h = host.engine.open();
  Action a = host.settle(h, host.request(h, R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})", kNow, "00112233445566778899aabbccddeeff"), kNow);
  REQUIRE(type_of(a) == "crypto");
  REQUIRE(a.head["items"][0]["op"] == "reseal");
  REQUIRE(a.head["items"][0]["ciphertext"] == "bGVnYWN5");
  REQUIRE(a.head["items"][0]["aad"] == "keyaos:credential:self:cred_a");
  a = host.engine.step(h, FakeHost::event({{"type", "crypto"}, {"values", Json::array({{{"ciphertext", "v2:bound"}}})}, {"now", kNow}}), "");
  REQUIRE(type_of(a) == "sql");
  // Only over the ciphertext it was made from (store_test checks the statement's SQL).
  const Json& s = a.head["statements"][0];
  REQUIRE(str_field(s, "name") == "credentials.reseal");
  REQUIRE(s["params"] == Json::array({"v2:bound", "cred_a", "self", "bGVnYWN5"}));
  a = host.engine.step(h, FakeHost::event({{"type", "rows"}, {"results", Json::array({Json::array({{{"id", "cred_a"}}})})}, {"now", kNow}}), "");
  REQUIRE(type_of(a) == "fetch");
  REQUIRE(a.head["credential"]["ciphertext"] == "v2:bound");
}
