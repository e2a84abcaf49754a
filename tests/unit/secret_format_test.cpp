// Secret formats: every built-in provider's format against the regular
// expression it replaced (same verdicts, examples and a generated sweep),
// the reader's bounds, custom providers with a format, and the credential
// and provider routes refusing what does not fit with a 400.
#include <catch2/catch.hpp>

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "../support/fake_host.h"
#include "../support/provider_fixtures.h"
#include "catalog/builtin_providers.h"
#include "catalog/custom_provider.h"
#include "catalog/provider.h"
#include "catalog/provider_json.h"
#include "catalog/secret_format.h"
#include "core/json.h"

using namespace keyaos;
using namespace keyaos::catalog;
using keyaos::testing::FakeHost;
using keyaos::testing::error_of;
using keyaos::testing::builtin_provider;
using keyaos::testing::builtin_providers;

namespace {

struct FormatCase {
  std::string provider;
  std::string regex;  // the secret_pattern the provider had
  std::vector<std::string> good;
  std::vector<std::string> bad;
};

const std::string k64(64, 'a');

// Qwen Code had no pattern (it also took an OAuth file); its format is the
// original product's `^sk-sp-[a-f0-9]+$`, now that only the key is taken.
const std::vector<FormatCase>& cases() {
  static const std::vector<FormatCase> table = {
      {"openrouter", "^sk-or-v1-[a-f0-9]{64}$",
       {"sk-or-v1-" + k64, "sk-or-v1-" + std::string("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")},
       {"sk-or-v1-" + std::string(63, 'a'), "sk-or-v1-" + std::string(65, 'a'), "sk-or-v1-" + std::string(64, 'A'),
        "sk-or-v2-" + k64, "sk-or-v1-" + std::string(63, 'a') + "g", "sk-or-v1-", "", "not-a-key", "xsk-or-v1-" + k64}},
      {"zenmux", "^sk-(ai|ss)-v1-[a-f0-9]+$",
       {"sk-ai-v1-abc123", "sk-ss-v1-0", "sk-ai-v1-" + k64},
       {"sk-ab-v1-abc", "sk-ai-v1-", "sk-ai-v1-ABC", "sk-ai-v2-abc", "sk-ss-v1-abc def", "sk-aiss-v1-abc"}},
      {"deepseek", "^sk-[a-f0-9]+$",
       {"sk-0123abcdef", "sk-0", "sk-" + k64},
       {"sk-", "sk-ABCDEF", "sk-xyz", "pk-abc", "sk-abc-", "SK-abc"}},
      {"google-ai-studio", "^AIza[A-Za-z0-9_-]+$",
       {"AIzaSyA-bc_DEF123", "AIza0", "AIza-", "AIzaAIza"},
       {"AIza", "aiza123", "AIzaSy A", "AIzaSy.A", "AIzaSy+A", "xAIza123"}},
      {"oaipro", "^sk-[A-Za-z0-9]+$",
       {"sk-AbC123", "sk-z", "sk-" + k64},
       {"sk-abc_def", "sk-abc-def", "sk-", "sk-abc!", "pk-abc"}},
      {"openai", "^sk-(proj-)?[A-Za-z0-9_-]+$",
       {"sk-proj-Ab3_x-9", "sk-abc", "sk-proj-", "sk--", "sk-proj-proj-x", "sk-pqrsmnoxyz", "sk-proj-cheapkey0123456789abcdef"},
       {"sk-", "sk-or-v1-abc def", "sk-proj.abc", "pk-abc", "not-an-openai-key", "sk-abc/def", "sk-proj-ab~"}},
      {"qwen-code", "^sk-sp-[a-f0-9]+$",
       {"sk-sp-" + std::string(32, 'e'), "sk-sp-0"},
       {"sk-sp-", "sk-sp-XYZ", "sk-abc", R"({"access_token":"a","refresh_token":"r","resource_url":"portal.qwen.ai"})"}},
  };
  return table;
}

// A deterministic sweep: strings built from the format's prefixes, pieces of
// every provider's prefixes and the characters around every alphabet's edges.
std::vector<std::string> sweep(const std::vector<std::string>& prefixes, uint32_t seed, size_t count) {
  static const std::vector<std::string> pieces = {
      "sk-", "sk-or-v1-", "sk-ai-v1-", "sk-ss-v1-", "sk-sp-", "proj-", "AIza", "or-", "v1-", "ai-", "ss-", "sk",
      "0", "9", "a", "f", "g", "z", "A", "F", "Z", "_", "-", ".", "~", "!", "{", " ", "e", "0123456789abcdef"};
  std::vector<std::string> out;
  uint32_t state = seed;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  for (size_t i = 0; i < count; ++i) {
    std::string s;
    if (!prefixes.empty() && next() % 2 == 0) s += prefixes[next() % prefixes.size()];
    if (next() % 2 == 0) s += std::string(60 + next() % 8, "a0feA_"[next() % 6]);
    const uint32_t parts = next() % 4;
    for (uint32_t p = 0; p < parts; ++p) s += pieces[next() % pieces.size()];
    out.push_back(std::move(s));
  }
  return out;
}

std::string type_of(const Action& a) { return str_field(a.head, "type"); }

Action send(FakeHost& host, const std::string& method, const std::string& path, const std::string& body) {
  const uint32_t h = host.engine.open();
  Json ev = {{"type", "request"}, {"method", method}, {"path", path}, {"query", ""},
             {"headers", {{"authorization", std::string("Bearer ") + keyaos::testing::kAdminToken}}}, {"now", 1000},
             {"nonce", "0123456789abcdef0123456789abcdef"}};
  Action a = host.settle(h, host.engine.step(h, FakeHost::event(ev), body), 1000);
  host.engine.close(h);
  return a;
}

std::string custom_body(const Json& format) {
  Json body = {{"id", "acme"}, {"base_url", "https://llm.acme.example/v1"},
               {"models", Json::array({{{"id", "acme/chat"}, {"input_price_per_m", 1}, {"output_price_per_m", 2}}})}};
  body["secret_format"] = format;
  return dump_json(body);
}

std::string custom_rejection(const Json& format) {
  CustomProvider p;
  std::string error;
  CHECK_FALSE(parse_custom_provider(custom_body(format), p, error));
  return error;
}

}  // namespace

TEST_CASE("secret formats: each built-in provider keeps its old regular expression's verdicts", "[secret_format]") {
  for (const FormatCase& c : cases()) {
    INFO(c.provider);
    const ProviderDef& def = builtin_provider(c.provider);
    REQUIRE(def.secret_format.has_value());
    const std::regex old(c.regex, std::regex::ECMAScript);
    for (const std::string& key : c.good) {
      INFO("good: " << key);
      CHECK(std::regex_search(key, old));
      CHECK(secret_matches(*def.secret_format, key));
    }
    for (const std::string& key : c.bad) {
      INFO("bad: " << key);
      CHECK_FALSE(std::regex_search(key, old));
      CHECK_FALSE(secret_matches(*def.secret_format, key));
    }
    size_t matched = 0;
    for (const std::string& key : sweep(def.secret_format->prefixes, static_cast<uint32_t>(c.provider.size()) * 7919u, 4000)) {
      INFO("swept: " << key);
      const bool expected = std::regex_search(key, old);
      REQUIRE(secret_matches(*def.secret_format, key) == expected);
      matched += expected ? 1 : 0;
    }
    CHECK(matched > 0);  // the sweep reached the accepting side too
  }
  // Providers that take credential files (or any key) have no format.
  for (const char* id : {"deepinfra", "gemini-cli", "antigravity", "kiro"}) {
    INFO(id);
    CHECK_FALSE(builtin_provider(id).secret_format.has_value());
  }
}

TEST_CASE("secret formats: alphabets, lengths and prefixes", "[secret_format]") {
  SecretFormat f;
  f.alphabet = "printable";
  CHECK(secret_matches(f, "!~{}"));
  CHECK_FALSE(secret_matches(f, "a b"));
  CHECK_FALSE(secret_matches(f, ""));
  CHECK_FALSE(secret_matches(f, "caf\xc3\xa9"));
  f.alphabet.clear();
  f.chars = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32
  f.prefixes = {"acme_live_", "acme_test_"};
  f.min_length = 4;
  f.max_length = 6;
  CHECK(secret_matches(f, "acme_live_0A9Z"));
  CHECK(secret_matches(f, "acme_test_0A9ZZZ"));
  CHECK_FALSE(secret_matches(f, "acme_live_0A9"));      // body too short: the prefix is not counted
  CHECK_FALSE(secret_matches(f, "acme_live_0A9ZZZZ"));  // too long
  CHECK_FALSE(secret_matches(f, "acme_live_0I9Z"));     // 'I' is not in the set
  CHECK_FALSE(secret_matches(f, "acme_0A9Z"));
  CHECK(describe_secret_format(f) == "acme_live_ or acme_test_ followed by 4 to 6 characters from \"" + f.chars + "\"");
  CHECK(describe_secret_format(*builtin_provider("openrouter").secret_format) ==
        "sk-or-v1- followed by exactly 64 lower-case hex characters (0-9, a-f)");
  CHECK(describe_secret_format(*builtin_provider("openai").secret_format) ==
        "sk-proj- or sk- followed by one or more letters, digits, '-' or '_'");
}

TEST_CASE("custom provider: a secret format is read, stored, listed and routed with", "[secret_format]") {
  const Json format = {{"prefixes", {"acme_"}}, {"alphabet", {{"chars", "abc123"}}}, {"min_length", 3}};
  CustomProvider p;
  std::string error;
  REQUIRE(parse_custom_provider(custom_body(format), p, error));
  REQUIRE(p.secret_format.has_value());
  CHECK(p.secret_format->chars == "abc123");
  CHECK_FALSE(p.secret_format->max_length.has_value());
  const std::string stored = custom_provider_to_json(p);
  CHECK(parse_json(stored)["secret_format"] ==
        Json({{"prefixes", {"acme_"}}, {"alphabet", {{"chars", "abc123"}}}, {"min_length", 3}, {"max_length", nullptr}}));
  CustomProvider again;
  REQUIRE(parse_custom_provider(stored, again, error));
  CHECK(custom_provider_to_json(again) == stored);
  const ProviderDef def = custom_provider_def(p);
  REQUIRE(def.secret_format.has_value());
  CHECK(secret_matches(*def.secret_format, "acme_a1c"));
  CHECK(def.credential_guide.placeholder == "acme_...");
  CHECK(parse_json(provider_to_json(def))["secret_format"]["alphabet"] == Json({{"chars", "abc123"}}));

  // Absent or null: any key, as before.
  REQUIRE(parse_custom_provider(custom_body(nullptr), p, error));
  CHECK_FALSE(p.secret_format.has_value());
  CHECK(parse_json(custom_provider_to_json(p))["secret_format"].is_null());
}

TEST_CASE("custom provider: a malformed or oversized secret format is named by field", "[secret_format]") {
  const std::string not_one_of = " must be one of hex, base62, base64url, printable, or {\"chars\": \"...\"}";
  CHECK(custom_rejection("^sk-[a-f0-9]+$") == "secret_format: must be an object");
  CHECK(custom_rejection(Json::object()) == "secret_format.alphabet: missing");
  CHECK(custom_rejection({{"alphabet", "HEX"}}) == "secret_format.alphabet: \"HEX\"" + not_one_of);
  CHECK(custom_rejection({{"alphabet", 16}}) == "secret_format.alphabet:" + not_one_of);
  CHECK(custom_rejection({{"alphabet", Json::object()}}) == "secret_format.alphabet.chars: missing");
  CHECK(custom_rejection({{"alphabet", {{"chars", ""}}}}) == "secret_format.alphabet.chars: must not be empty");
  CHECK(custom_rejection({{"alphabet", {{"chars", "ab a"}}}}) ==
        "secret_format.alphabet.chars: must be printable ASCII without spaces");
  CHECK(custom_rejection({{"alphabet", {{"chars", "caf\xc3\xa9"}}}}) ==
        "secret_format.alphabet.chars: must be printable ASCII without spaces");
  CHECK(custom_rejection({{"alphabet", {{"chars", "abca"}}}}) == "secret_format.alphabet.chars: lists 'a' twice");
  CHECK(custom_rejection({{"alphabet", {{"chars", "ab"}, {"ranges", "a-z"}}}}) ==
        "secret_format.alphabet.ranges: is not a known field");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"pattern", "^sk-"}}) == "secret_format.pattern: is not a known field");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"min_length", 0}}) ==
        "secret_format.min_length: must be an integer from 1 to 4096");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"min_length", 4097}}) ==
        "secret_format.min_length: must be an integer from 1 to 4096");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"min_length", 1.5}}) ==
        "secret_format.min_length: must be an integer from 1 to 4096");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"min_length", "8"}}) ==
        "secret_format.min_length: must be an integer from 1 to 4096");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"min_length", 1e300}}) ==
        "secret_format.min_length: must be an integer from 1 to 4096");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"max_length", -1}}) ==
        "secret_format.max_length: must be an integer from 1 to 4096");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"min_length", 9}, {"max_length", 8}}) ==
        "secret_format.max_length: must be at least min_length (9)");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", "sk-"}}) == "secret_format.prefixes: must be an array");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", {""}}}) == "secret_format.prefixes[0]: must not be empty");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", {"sk-", "sk-"}}}) ==
        "secret_format.prefixes[1]: \"sk-\" appears twice");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", {"sk -"}}}) ==
        "secret_format.prefixes[0]: must be printable ASCII without spaces");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", {std::string(65, 'p')}}}) ==
        "secret_format.prefixes[0]: must be at most 64 characters");
  Json many = Json::array();
  for (char c = 'a'; c < 'a' + 17; ++c) many.push_back(std::string(1, c) + "-");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", many}}) == "secret_format.prefixes: may list at most 16 prefixes");
  CHECK(custom_rejection({{"alphabet", "hex"}, {"prefixes", {1}}}) == "secret_format.prefixes[0]: must be a string");
}

TEST_CASE("routes: a hostile secret format is a 400 and the engine keeps serving", "[secret_format]") {
  FakeHost host;
  const std::vector<Json> hostile = {
      "^sk-(", Json::array({"(((((((((("}), {{"alphabet", {{"chars", std::string(20000, 'x')}}}},
      {{"alphabet", "hex"}, {"min_length", 99999999999}}, {{"alphabet", "hex"}, {"prefixes", Json::array({Json::object()})}},
      {{"alphabet", "hex"}, {"max_length", 1}, {"min_length", 2}}};
  for (const Json& format : hostile) {
    INFO(dump_json(format).substr(0, 80));
    Action a = send(host, "POST", "/api/providers", custom_body(format));
    REQUIRE(type_of(a) == "respond");
    CHECK(a.head["status"] == 400);
    Json e = error_of(a);
    CHECK(str_field(e, "code") == "invalid_provider");
    CHECK(str_field(e, "param") == "secret_format");
    CHECK(str_field(e, "type") == "invalid_request_error");
  }
  Action ok = send(host, "POST", "/api/providers", custom_body({{"alphabet", "base62"}, {"prefixes", {"acme-"}}}));
  REQUIRE(type_of(ok) == "respond");
  CHECK(ok.head["status"] == 201);
  CHECK(parse_json(ok.payload)["secret_format"] ==
        Json({{"prefixes", {"acme-"}}, {"alphabet", "base62"}, {"min_length", 1}, {"max_length", nullptr}}));
}

TEST_CASE("credentials: keys are checked against the provider's format, and a Qwen Code OAuth file is refused", "[secret_format]") {
  FakeHost host;
  auto add = [&](const std::string& provider, const std::string& secret) {
    return send(host, "POST", "/api/credentials", dump_json({{"provider_id", provider}, {"secret", secret}, {"validate", false}}));
  };
  // A key that fits goes on to be sealed; one that does not is a 400 saying what fits.
  CHECK(type_of(add("openrouter", "sk-or-v1-" + k64)) == "crypto");
  CHECK(type_of(add("openrouter", "  sk-or-v1-" + k64 + "\n")) == "crypto");  // trimmed first
  Action bad = add("openrouter", "sk-or-v1-" + std::string(63, 'a'));
  REQUIRE(type_of(bad) == "respond");
  CHECK(bad.head["status"] == 400);
  CHECK(str_field(error_of(bad), "code") == "invalid_secret_format");
  CHECK(str_field(error_of(bad), "param") == "secret");
  CHECK(str_field(error_of(bad), "message") ==
        "This does not look like a OpenRouter credential: expected sk-or-v1- followed by exactly 64 lower-case hex characters (0-9, a-f).");
  CHECK(type_of(add("zenmux", "sk-ss-v1-abc")) == "crypto");
  CHECK(str_field(error_of(add("zenmux", "sk-ss-v1-ABC")), "code") == "invalid_secret_format");
  CHECK(type_of(add("deepinfra", "any-token-at-all")) == "crypto");  // no format: any key

  // Qwen Code's OAuth file would have been sent upstream as a bearer key.
  const std::string oauth_file =
      R"({"access_token":"at","refresh_token":"rt","token_type":"Bearer","resource_url":"portal.qwen.ai","expiry_date":1})";
  Action qwen = add("qwen-code", oauth_file);
  REQUIRE(type_of(qwen) == "respond");
  CHECK(qwen.head["status"] == 400);
  CHECK(str_field(error_of(qwen), "code") == "invalid_secret_format");
  CHECK(str_field(error_of(qwen), "message") ==
        "Qwen Code takes an API key, not a JSON credential file: OAuth logins are not supported for Qwen Code.");
  CHECK(type_of(add("qwen-code", "sk-sp-" + std::string(32, 'e'))) == "crypto");
  Action blank = add("openai", " \n ");
  REQUIRE(type_of(blank) == "respond");
  CHECK(str_field(error_of(blank), "code") == "missing_required_parameter");
}
