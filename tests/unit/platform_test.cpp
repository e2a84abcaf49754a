// Platform mode: configuration, session tokens, the JWKS cache, settlement
// amounts and the ledger batch of a shared-pool request, and the auth flow
// through the engine with a host that does no I/O.
#include <catch2/catch.hpp>

#include "billing/ledger.h"
#include "billing/settlement.h"
#include "core/base64.h"
#include "core/engine.h"
#include "platform/config.h"
#include "platform/host_policy.h"
#include "platform/session.h"
#include "request_records.h"
#include "statements.h"

using namespace keyaos;

namespace {

// "clerk.keyaos.test$" in base64.
const char* kPublishableKey = "pk_test_Y2xlcmsua2V5YW9zLnRlc3Qk";
const char* kIssuer = "https://clerk.keyaos.test";
constexpr int64_t kNowMs = 1'800'000'000'000;

platform::Config platform_config() {
  std::string error;
  platform::Config c = platform::config_from(
      {{"secret_key_set", true}, {"publishable_key", kPublishableKey}, {"authorized_parties", "https://app.example, http://localhost:8787/"},
       {"owner_id", "user_operator"}},
      error);
  REQUIRE(error.empty());
  return c;
}

std::string token(Json header, Json claims, const std::string& signature = "c2ln") {
  return base64url_encode(dump_json(header)) + "." + base64url_encode(dump_json(claims)) + "." + signature;
}

Json good_claims() {
  return {{"sub", "user_a"}, {"iss", kIssuer}, {"azp", "https://app.example"}, {"exp", kNowMs / 1000 + 60}, {"nbf", kNowMs / 1000 - 5}};
}

std::string problem_of(const std::string& jwt) {
  platform::SessionToken t;
  std::string error;
  if (!platform::parse_session_token(jwt, t, error)) return "unparsed: " + error;
  return platform::claims_problem(t, platform_config(), kNowMs);
}

}  // namespace

TEST_CASE("platform: Clerk's publishable key names the frontend API; both keys turn the mode on", "[platform]") {
  CHECK(platform::frontend_api_of(kPublishableKey) == "clerk.keyaos.test");
  CHECK(platform::frontend_api_of("pk_live_Y2xlcmsua2V5YW9zLnRlc3Qk") == "clerk.keyaos.test");
  CHECK(platform::frontend_api_of("pk_test_Y2xlcmsua2V5YW9zLnRlc3Q=").empty());  // no trailing '$'
  CHECK(platform::frontend_api_of("sk_test_Y2xlcmsua2V5YW9zLnRlc3Qk").empty());
  CHECK(platform::frontend_api_of("pk_test_!!!").empty());

  const platform::Config c = platform_config();
  CHECK(c.enabled);
  CHECK(c.issuer == kIssuer);
  CHECK(c.jwks_url == "https://clerk.keyaos.test/.well-known/jwks.json");
  CHECK(c.authorized_parties == std::vector<std::string>{"https://app.example", "http://localhost:8787"});

  std::string error;
  CHECK_FALSE(platform::config_from(Json::object(), error).enabled);
  CHECK(error.empty());  // Core: nothing set, nothing wrong
  CHECK_FALSE(platform::config_from({{"publishable_key", kPublishableKey}}, error).enabled);
  CHECK(error.find("CLERK_SECRET_KEY") != std::string::npos);
  error.clear();
  CHECK_FALSE(platform::config_from({{"secret_key_set", true}, {"publishable_key", "pk_nonsense"}}, error).enabled);
  CHECK(error.find("CLERK_PUBLISHABLE_KEY") != std::string::npos);
}

TEST_CASE("platform: Core's owner is the operator's account", "[platform]") {
  const platform::Config c = platform_config();
  CHECK(platform::owner_of("user_operator", c) == "self");
  CHECK(platform::owner_of("user_a", c) == "user_a");
  CHECK(platform::user_of("self", c) == "user_operator");
  CHECK(platform::user_of("user_a", c) == "user_a");
}

TEST_CASE("platform: custom provider URLs must name public https hosts", "[platform][tenancy]") {
  for (const char* ok : {"https://api.example.com/v1", "https://api.example.com:8443/v1", "https://8.8.8.8/v1",
                         "https://models.example.com/v1/models?x=1", "https://Example.COM./v1", "https://172.32.0.1/v1",
                         "https://100.128.0.1/v1", "https://api.example.com"}) {
    INFO(ok);
    CHECK(platform::private_host_problem(ok).empty());
  }
  for (const char* refused : {"http://api.example.com/v1", "https://localhost/v1", "https://localhost:8787/v1", "https://a.localhost/v1",
                              "https://127.0.0.1/v1", "https://127.1/v1", "https://0x7f.0.0.1/v1", "https://2130706433/v1",
                              "https://0177.0.0.1/v1", "https://10.1.2.3/v1", "https://172.16.0.1/v1", "https://172.31.255.255/v1",
                              "https://192.168.1.1/v1", "https://169.254.169.254/latest", "https://100.64.0.1/v1",
                              "https://0.0.0.0/v1", "https://224.0.0.1/v1", "https://255.255.255.255/v1",
                              "https://[::1]/v1", "https://[fd00::1]/v1", "https://metadata.google.internal/v1",
                              "https://printer.local/v1", "https://intranet/v1", "https://user:pw@api.example.com/v1",
                              "https://api.example.com@127.0.0.1/v1", "https://1.2.3.4.5/v1", "https://256.1.1.1/v1",
                              "https://1.2.3.0x100/v1"}) {
    INFO(refused);
    CHECK_FALSE(platform::private_host_problem(refused).empty());
  }
}

TEST_CASE("platform: session claims are checked before any key is used", "[platform]") {
  const Json rs256 = {{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}};
  CHECK(problem_of(token(rs256, good_claims())).empty());

  CHECK(problem_of(token({{"alg", "none"}}, good_claims(), "")) == "the token is not signed with RS256");  // an empty signature part
  CHECK(problem_of(token({{"alg", "none"}, {"kid", "k1"}}, good_claims())) == "the token is not signed with RS256");
  CHECK(problem_of(token({{"alg", "HS256"}, {"kid", "k1"}}, good_claims())) == "the token is not signed with RS256");
  CHECK(problem_of(token({{"alg", "rs256"}, {"kid", "k1"}}, good_claims())) == "the token is not signed with RS256");

  Json expired = good_claims();
  expired["exp"] = kNowMs / 1000 - 6;  // beyond the 5 s skew
  CHECK(problem_of(token(rs256, expired)) == "the session token has expired");
  Json within_skew = good_claims();
  within_skew["exp"] = kNowMs / 1000 - 4;
  CHECK(problem_of(token(rs256, within_skew)).empty());
  Json no_exp = good_claims();
  no_exp.erase("exp");
  CHECK(problem_of(token(rs256, no_exp)) == "the token has no expiry");
  Json early = good_claims();
  early["nbf"] = kNowMs / 1000 + 10;
  CHECK(problem_of(token(rs256, early)) == "the session token is not valid yet");
  Json other_issuer = good_claims();
  other_issuer["iss"] = "https://clerk.attacker.test";
  CHECK(problem_of(token(rs256, other_issuer)) == "the token was issued by another Clerk instance");
  Json other_party = good_claims();
  other_party["azp"] = "https://evil.example";
  CHECK(problem_of(token(rs256, other_party)) == "the token was issued for another origin (azp)");
  Json no_party = good_claims();
  no_party.erase("azp");
  CHECK(problem_of(token(rs256, no_party)) == "the token was issued for another origin (azp)");
  Json nobody = good_claims();
  nobody.erase("sub");
  CHECK(problem_of(token(rs256, nobody)) == "the token names no user");

  CHECK_FALSE(platform::looks_like_session_token("sk-keyaos-0123"));
  CHECK_FALSE(platform::looks_like_session_token("a.b"));
  CHECK_FALSE(platform::looks_like_session_token("a.b.c.d"));
  CHECK(problem_of("e30.e30.c2ln").find("the token is not signed") == 0);  // {} . {}
  CHECK(problem_of("!!.e30.c2ln").find("unparsed") == 0);
}

TEST_CASE("platform: the JWKS cache refetches on an unknown kid, at most once per interval", "[platform]") {
  platform::JwksCache cache;
  CHECK(cache.should_fetch("k1", 0));
  cache.fetch_started(0);
  const std::string doc =
      R"({"keys":[{"kid":"k1","kty":"RSA","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB"},
                   {"kid":"enc","kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"},
                   {"kid":"ec","kty":"EC","crv":"P-256","x":"a","y":"b"}]})";
  REQUIRE(cache.store(doc, 0));
  CHECK(cache.key("k1") != nullptr);
  CHECK(cache.key("enc") == nullptr);  // not a signing key
  CHECK(cache.key("ec") == nullptr);   // not RSA
  CHECK_FALSE(cache.should_fetch("k1", 1000));  // known and fresh
  CHECK_FALSE(cache.should_fetch("k2", 1000));  // unknown, but fetched 1 s ago
  CHECK(cache.should_fetch("k2", platform::JwksCache::kRefetchMs));
  CHECK(cache.should_fetch("k1", platform::JwksCache::kTtlMs));  // stale
  CHECK_FALSE(cache.store(R"({"keys":[]})", 5000));
  CHECK(cache.key("k1") != nullptr);  // a useless document keeps the keys
  CHECK_FALSE(cache.store("not json", 5000));
}

TEST_CASE("settlement: 3 % each side, exact to the nano-USD, nothing for self-use", "[platform][billing]") {
  const billing::Settlement s = billing::settle(1'000'000'000, true);
  CHECK(s.consumer_charged == 1'030'000'000);
  CHECK(s.provider_earned == 970'000'000);
  CHECK(s.platform_fee() == 60'000'000);
  CHECK_FALSE(billing::settle(1'000'000'000, false).moves());
  CHECK_FALSE(billing::settle(0, true).moves());
  CHECK_FALSE(billing::settle(-5, true).moves());
  // Rounded half up once per side, so the parts always add up.
  CHECK(billing::settle(17, true).consumer_charged == 18);  // 0.51 → 1
  CHECK(billing::settle(17, true).provider_earned == 16);
  CHECK(billing::settle(16, true).consumer_charged == 16);  // 0.48 → 0
  for (int64_t cost = 1; cost < 5000; cost += 7) {
    const billing::Settlement x = billing::settle(cost, true);
    CHECK(x.consumer_charged + x.provider_earned == 2 * cost);
    CHECK(x.consumer_charged >= cost);
    CHECK(x.provider_earned <= cost);
  }
}

TEST_CASE("ledger batch: a shared-pool request moves both wallets once, before its log row", "[platform][billing]") {
  billing::RequestRecord r = testing::billed_request("user_b", 1'000'000);
  r.api_key_id.clear();
  r.credential_id = "cred_a";
  r.credential_owner_id = "user_a";
  r.provider_id = "openai";
  r.settlement = billing::settle(r.cost.effective, true);
  r.wallet_reserved = true;
  r.created_at = 1000;
  const std::vector<Statement> batch = billing::ledger_statements(r, {});
  std::vector<std::string> names;
  for (const auto& s : batch) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"ledger.charge_credential", "wallet.spend", "wallet.earn", "wallet.release_reservation",
                                          "ledger.insert_log"});
  const Json spend = statements_json({batch[1]})[0], earn = statements_json({batch[2]})[0];
  CHECK(spend["params"][3] == "user_b");
  CHECK(spend["params"][4] == -1'030'000);
  CHECK(earn["params"][3] == "user_a");
  CHECK(earn["params"][4] == 970'000);
  CHECK(earn["params"][5] == "cred_a");
  // Both guarded by the log row's absence, and each entry id is the request's.
  for (const Statement* s : {&batch[1], &batch[2]}) {
    CHECK(s->sql.find("NOT EXISTS (SELECT 1 FROM request_logs WHERE owner_id = ?2 AND created_at = ?3 AND id = ?1)") != std::string::npos);
    CHECK(s->sql.find("INSERT OR IGNORE INTO wallet_entries") == 0);
  }
  // The contributor's credential is charged under its own owner.
  CHECK(batch[0].params[6] == "user_a");
  const Json log = statements_json({batch.back()})[0];
  CHECK(testing::inserted(log, "credential_owner_id") == "user_a");
  CHECK(testing::inserted(log, "consumer_charged_nusd") == 1'030'000);
  CHECK(testing::inserted(log, "provider_earned_nusd") == 970'000);

  SECTION("a failed request moves nothing, but gives its reservation back") {
    r.ok = false;
    std::vector<std::string> failed;
    for (const auto& s : billing::ledger_statements(r, {})) failed.push_back(s.name);
    CHECK(failed == std::vector<std::string>{"wallet.release_reservation", "ledger.insert_log"});
  }
  SECTION("self-use moves nothing") {
    r.credential_owner_id.clear();
    r.settlement = {};
    r.wallet_reserved = false;
    std::vector<std::string> own;
    for (const auto& s : billing::ledger_statements(r, {})) own.push_back(s.name);
    CHECK(own == std::vector<std::string>{"ledger.charge_credential", "ledger.insert_log"});
  }
}

namespace {

// An engine in Platform mode with CLERK_JWT_KEY (no JWKS fetch), its schema seen current.
struct PlatformEngine {
  Engine engine;
  PlatformEngine() {
    engine.init(dump_json({{"encryption_configured", true},
                           {"platform",
                            {{"secret_key_set", true}, {"publishable_key", kPublishableKey}, {"jwt_key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"},
                             {"owner_id", "user_operator"}}}}));
  }
  Action get(uint32_t h, const std::string& path, const std::string& bearer) {
    Json headers = Json::object();
    if (!bearer.empty()) headers["authorization"] = "Bearer " + bearer;
    return engine.step(h, dump_json({{"type", "request"}, {"method", "GET"}, {"path", path}, {"query", ""}, {"headers", headers}, {"now", kNowMs}}), "");
  }
  Action rows(uint32_t h, size_t n) {
    Json results = Json::array();
    for (size_t i = 0; i < n; ++i) results.push_back(Json::array());
    return engine.step(h, dump_json({{"type", "rows"}, {"results", results}, {"now", kNowMs}}), "");
  }
  Action verified(uint32_t h, bool valid) {
    return engine.step(h, dump_json({{"type", "crypto"}, {"values", Json::array({{{"valid", valid}}})}, {"now", kNowMs}}), "");
  }
};

Json body_of(const Action& a) { return parse_json(a.payload); }

}  // namespace

TEST_CASE("platform auth: a session is verified by the host's WebCrypto, the admin token opens nothing", "[platform][engine]") {
  PlatformEngine p;
  const std::string jwt = token({{"alg", "RS256"}, {"kid", "k1"}}, {{"sub", "user_a"}, {"iss", kIssuer}, {"exp", kNowMs / 1000 + 60}});

  uint32_t h = p.engine.open();
  Action a = p.get(h, "/api/me", jwt);
  if (str_field(a.head, "type") == "sql") a = p.rows(h, 1);  // the schema check, answered current
  REQUIRE(str_field(a.head, "type") == "crypto");
  const Json item = a.head["items"][0];
  CHECK(item["op"] == "verify_rs256");
  CHECK(str_field(item, "spki_pem").find("BEGIN PUBLIC KEY") != std::string::npos);
  CHECK(item["data"] == jwt.substr(0, jwt.rfind('.')));
  CHECK(item["signature"] == "c2ln");
  a = p.verified(h, true);
  REQUIRE(str_field(a.head, "type") == "respond");
  CHECK(int_field(a.head, "status") == 200);
  CHECK(body_of(a) == Json{{"owner_id", "user_a"}, {"is_admin", false}});
  p.engine.close(h);

  // A signature the host does not verify is a 401.
  h = p.engine.open();
  p.get(h, "/api/me", jwt);
  a = p.verified(h, false);
  CHECK(int_field(a.head, "status") == 401);
  p.engine.close(h);

  // The operator's session is the Core owner's account, and an admin.
  h = p.engine.open();
  p.get(h, "/api/me", token({{"alg", "RS256"}, {"kid", "k1"}}, {{"sub", "user_operator"}, {"iss", kIssuer}, {"exp", kNowMs / 1000 + 60}}));
  a = p.verified(h, true);
  CHECK(body_of(a) == Json{{"owner_id", "user_operator"}, {"is_admin", true}});
  p.engine.close(h);

  // No crypto for what is refused on its face.
  for (const std::string& bad : {std::string("kx-admin-token"), std::string(""), token({{"alg", "HS256"}}, {{"sub", "user_a"}, {"iss", kIssuer}})}) {
    h = p.engine.open();
    a = p.get(h, "/api/me", bad);
    INFO(bad);
    CHECK(str_field(a.head, "type") == "respond");
    CHECK(int_field(a.head, "status") == 401);
    p.engine.close(h);
  }
  // API keys are for /v1 only, as in Core.
  h = p.engine.open();
  a = p.get(h, "/api/me", "sk-keyaos-0123456789abcdef0123456789abcdef");
  CHECK(int_field(a.head, "status") == 401);
  p.engine.close(h);

  // /api/config needs nobody and tells the dashboard how to sign in.
  h = p.engine.open();
  a = p.get(h, "/api/config", "");
  CHECK(body_of(a) == Json{{"mode", "platform"}, {"clerk_publishable_key", kPublishableKey}, {"payments", false}});
  p.engine.close(h);
}
