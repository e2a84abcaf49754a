// Payments: Stripe's form encoding, the Stripe-Signature header and the
// decision on it, event parsing, the auto top-up backoff, and the engine's
// webhook and follow-up decisions with a host that does no I/O.
#include <catch2/catch.hpp>

#include "core/engine.h"
#include "payments/auto_topup.h"
#include "payments/stripe.h"
#include "store/payments_store.h"
#include "store/wallet_store.h"

using namespace keyaos;
using namespace keyaos::payments;

TEST_CASE("form encoding: application/x-www-form-urlencoded, brackets and all", "[payments]") {
  CHECK(form_escape("abcXYZ019-._*") == "abcXYZ019-._*");
  CHECK(form_escape("a b") == "a+b");
  CHECK(form_escape("metadata[owner_id]") == "metadata%5Bowner_id%5D");
  CHECK(form_escape("https://x.test/#/credits?checkout=success&a=1") == "https%3A%2F%2Fx.test%2F%23%2Fcredits%3Fcheckout%3Dsuccess%26a%3D1");
  CHECK(form_escape("+%~") == "%2B%25%7E");
  CHECK(form_escape("é") == "%C3%A9");  // UTF-8 bytes, upper-case hex
  CHECK(form_escape(std::string("\0\n", 2)) == "%00%0A");
  CHECK(form_encode({}) == "");
  CHECK(form_encode({{"amount", "500"}, {"metadata[type]", "auto_topup"}, {"description", "Keyaos credits"}}) ==
        "amount=500&metadata%5Btype%5D=auto_topup&description=Keyaos+credits");
  CHECK(form_encode({{"a", ""}, {"", "b"}}) == "a=&=b");
}

TEST_CASE("Stripe-Signature: t and every v1, nothing else", "[payments]") {
  SignatureHeader h;
  REQUIRE(parse_signature_header("t=1700000000,v1=abc,v0=zzz,v1=def", h));
  CHECK(h.timestamp == 1700000000);
  CHECK(h.v1 == std::vector<std::string>{"abc", "def"});
  REQUIRE(parse_signature_header(" t=5 , v1=aa ", h));
  CHECK(h.timestamp == 5);
  CHECK(h.v1 == std::vector<std::string>{"aa"});
  CHECK_FALSE(parse_signature_header("", h));
  CHECK_FALSE(parse_signature_header("v1=abc", h));                 // no timestamp
  CHECK_FALSE(parse_signature_header("t=1700000000", h));           // no v1
  CHECK_FALSE(parse_signature_header("t=1700000000,v0=abc", h));    // only another scheme
  CHECK_FALSE(parse_signature_header("t=17x,v1=abc", h));           // not digits
  CHECK_FALSE(parse_signature_header("t=-5,v1=abc", h));
  CHECK_FALSE(parse_signature_header("t=1,t=2,v1=abc", h));         // two timestamps
  CHECK_FALSE(parse_signature_header(std::string(5000, 'a'), h));   // oversized
  CHECK(signed_payload(1700000000, "{\"id\":1}") == "1700000000.{\"id\":1}");
}

TEST_CASE("signature decisions: any v1 matching, within 300 s, compared whole", "[payments]") {
  const std::string good(64, 'a');
  const std::string bad = std::string(63, 'a') + "b";
  const int64_t t = 1700000000, now = t * 1000;
  SignatureHeader h{t, {bad, good}};
  CHECK(verify_signature(h, good, now) == SignatureVerdict::ok);
  CHECK(verify_signature(SignatureHeader{t, {good}}, good, now + 300'000) == SignatureVerdict::ok);
  CHECK(verify_signature(SignatureHeader{t, {good}}, good, now - 300'000) == SignatureVerdict::ok);
  CHECK(verify_signature(SignatureHeader{t, {good}}, good, now + 301'000) == SignatureVerdict::stale);
  CHECK(verify_signature(SignatureHeader{t, {good}}, good, now - 301'000) == SignatureVerdict::stale);
  CHECK(verify_signature(SignatureHeader{t, {bad}}, good, now) == SignatureVerdict::mismatch);
  CHECK(verify_signature(SignatureHeader{t, {good.substr(0, 32)}}, good, now) == SignatureVerdict::mismatch);  // a prefix is not a match
  CHECK(verify_signature(SignatureHeader{t, {std::string(64, 'A')}}, good, now) == SignatureVerdict::ok);     // hex case
  CHECK(verify_signature(SignatureHeader{t, {}}, good, now) == SignatureVerdict::malformed);
  CHECK(verify_signature(SignatureHeader{t, {good}}, "", now) == SignatureVerdict::malformed);
  CHECK(constant_time_hex_equals("00ff", "00FF"));
  CHECK_FALSE(constant_time_hex_equals("00ff", "00fe"));
  CHECK_FALSE(constant_time_hex_equals("00ff", "00ff00"));
}

TEST_CASE("events: the fields acted on, and what each type asks", "[payments]") {
  StripeEvent e;
  REQUIRE(parse_event(R"({"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid",
      "payment_intent":"pi_1","customer":{"id":"cus_1"},"client_reference_id":"pay_x","metadata":{"payment_id":"pay_1","owner_id":"user_a"}}}})",
                      e));
  CHECK(e.id == "evt_1");
  CHECK(e.object_id == "cs_1");
  CHECK(e.payment_id == "pay_1");  // metadata wins over client_reference_id
  CHECK(e.owner_id == "user_a");
  CHECK(e.payment_intent == "pi_1");
  CHECK(e.customer == "cus_1");  // an expanded object gives its id
  CHECK(event_action(e) == EventAction::complete_checkout);
  e.payment_status = "unpaid";  // a delayed method: wait for async_payment_succeeded
  CHECK(event_action(e) == EventAction::ignore);
  e.type = "checkout.session.async_payment_succeeded";
  CHECK(event_action(e) == EventAction::complete_checkout);
  e.type = "checkout.session.expired";
  CHECK(event_action(e) == EventAction::expire_checkout);
  e.type = "payment_intent.succeeded";
  CHECK(event_action(e) == EventAction::ignore);  // a Checkout's own intent: the session event credits it
  e.metadata_type = "auto_topup";
  CHECK(event_action(e) == EventAction::complete_auto_topup);
  e.type = "customer.created";
  CHECK(event_action(e) == EventAction::ignore);
  e.type = "checkout.session.completed";
  e.payment_status = "paid";
  e.owner_id.clear();  // not one of ours
  CHECK(event_action(e) == EventAction::ignore);

  REQUIRE(parse_event(R"({"id":"evt_2","type":"x","data":{"object":{"id":"cs_2","client_reference_id":"pay_2"}}})", e));
  CHECK(e.payment_id == "pay_2");
  CHECK_FALSE(parse_event("not json", e));
  CHECK_FALSE(parse_event(R"({"id":"evt_3","type":"x"})", e));
  CHECK_FALSE(parse_event(R"({"type":"x","data":{"object":{}}})", e));
  CHECK_FALSE(parse_event(R"([1,2])", e));
}

TEST_CASE("Stripe errors: the message, never a key", "[payments]") {
  CHECK(stripe_error_message(402, R"({"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}})") ==
        "Your card was declined.");
  CHECK(stripe_error_code(R"({"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds"}})") == "insufficient_funds");
  CHECK(stripe_error_message(500, "oops") == "Stripe answered HTTP 500.");
  CHECK(stripe_error_message(401, R"({"error":{"message":"Invalid API Key provided: sk_test_abc123XYZ"}})") ==
        "Invalid API Key provided: [redacted]");
  CHECK(redact_keys("whsec_abc and rk_live_1 ok") == "[redacted] and [redacted] ok");
}

TEST_CASE("auto top-up backoff: at once, 1 h, 24 h, then paused", "[payments]") {
  CHECK(backoff_ms(0) == 0);
  CHECK(backoff_ms(1) == kHourMs);
  CHECK(backoff_ms(2) == 24 * kHourMs);
  CHECK(backoff_ms(5) == 24 * kHourMs);
  CHECK_FALSE(next_attempt_at(0, 1000, false));
  CHECK(next_attempt_at(1, 1000, false) == 1000 + kHourMs);
  CHECK(next_attempt_at(2, 1000, false) == 1000 + 24 * kHourMs);
  CHECK_FALSE(next_attempt_at(3, 1000, true));  // paused: only the owner restarts it
  CHECK_FALSE(next_attempt_at(1, std::nullopt, false));
  CHECK(pause_reason("Your card was declined.").find("Your card was declined.") != std::string::npos);
}

TEST_CASE("auto top-up SQL: the claim and the sweep share one due condition", "[payments]") {
  const Statement claim = store::payments::auto_topup_claim("user_a", "pay_1", 5000);
  const Statement due = store::payments::auto_topup_due(5000, kSweepLimit);
  for (const char* part : {"a.enabled = 1", "a.paused_reason IS NULL", "a.claim_id IS NULL OR a.claimed_at <= ", "3600000", "86400000",
                           "a.threshold_cents * 10000000", "payment_method_id IS NOT NULL"}) {
    INFO(part);
    CHECK(claim.sql.find(part) != std::string::npos);
    CHECK(due.sql.find(part) != std::string::npos);
  }
  CHECK(claim.params == Json::array({"user_a", "pay_1", 5000}));
  const Statement credit = store::payments::credit("topup", "pay_1", "user_a", 7);
  CHECK(credit.sql.find("p.completed_at = ?4") != std::string::npos);  // only the transition of this batch credits
  CHECK(credit.sql.find("INSERT OR IGNORE") != std::string::npos);
}

namespace {

const char* kPublishableKey = "pk_test_Y2xlcmsua2V5YW9zLnRlc3Qk";

std::string ev(const Json& head) { return dump_json(head); }

Json platform_config(bool stripe_key, bool webhook_secret) {
  return {{"platform", {{"secret_key_set", true}, {"publishable_key", kPublishableKey}, {"jwt_key", "-----BEGIN PUBLIC KEY-----x"}}},
          {"stripe", {{"secret_key_set", stripe_key}, {"webhook_secret_set", webhook_secret}, {"api_base_url", "http://stripe.test/"}}}};
}

// Starts a webhook request and answers the schema check; returns the action after it.
Action webhook(Engine& engine, uint32_t h, const std::string& signature, const std::string& body, int64_t now_ms) {
  Json headers = Json::object();
  if (!signature.empty()) headers["stripe-signature"] = signature;
  return engine.step(h, ev({{"type", "request"}, {"method", "POST"}, {"path", "/api/webhooks/stripe"}, {"query", ""}, {"headers", headers},
                            {"now", now_ms}}),
                     body);
}

}  // namespace

TEST_CASE("webhook through the engine: no secret 503, bad signatures 400 before any SQL, a good one acts", "[payments]") {
  const int64_t t = 1700000000, now = t * 1000;
  const std::string body = R"({"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid","metadata":{"payment_id":"pay_1","owner_id":"user_a"}}}})";
  {
    Engine engine;
    REQUIRE(engine.init(dump_json(platform_config(true, false))).empty());
    const uint32_t h = engine.open();
    Action a = webhook(engine, h, "t=1700000000,v1=" + std::string(64, 'a'), body, now);
    CHECK(int_field(a.head, "status") == 503);
  }
  Engine engine;
  REQUIRE(engine.init(dump_json(platform_config(true, true))).empty());
  SECTION("malformed") {
    Action a = webhook(engine, engine.open(), "garbage", body, now);
    CHECK(int_field(a.head, "status") == 400);
  }
  SECTION("stale: no HMAC asked") {
    Action a = webhook(engine, engine.open(), "t=1700000000,v1=" + std::string(64, 'a'), body, now + 301'000);
    CHECK(int_field(a.head, "status") == 400);
    CHECK(a.payload.find("300 seconds") != std::string::npos);
  }
  SECTION("the HMAC is asked of the host by reference; a mismatch is 400, a match runs one batch") {
    const uint32_t h = engine.open();
    Action a = webhook(engine, h, "t=1700000000,v1=" + std::string(64, 'b') + ",v1=" + std::string(64, 'c'), body, now);
    REQUIRE(str_field(a.head, "type") == "crypto");
    const Json item = a.head["items"][0];
    CHECK(str_field(item, "op") == "hmac_sha256");
    CHECK(str_field(item, "key_ref") == "stripe_webhook");
    CHECK(str_field(item, "text") == "1700000000." + body);
    SECTION("mismatch") {
      a = engine.step(h, ev({{"type", "crypto"}, {"values", Json::array({{{"hex", std::string(64, 'a')}}})}, {"now", now}}), "");
      CHECK(int_field(a.head, "status") == 400);
    }
    SECTION("the second v1 matches") {
      a = engine.step(h, ev({{"type", "crypto"}, {"values", Json::array({{{"hex", std::string(64, 'c')}}})}, {"now", now}}), "");
      REQUIRE(str_field(a.head, "type") == "sql");
      const Json& st = a.head["statements"];
      REQUIRE(st.size() == 3);
      CHECK(str_field(st[0], "name") == "payments.record_event");
      CHECK(str_field(st[1], "name") == "payments.complete_checkout");
      CHECK(str_field(st[2], "name") == "payments.credit");
      // The transition happened, no payment intent to ask about: answered.
      a = engine.step(h, ev({{"type", "rows"}, {"results", Json::array({Json::array(), Json::array({{{"id", "pay_1"}}}),
                                                                          Json::array({{{"id", "topup:pay_1"}}})})}, {"now", now}}), "");
      CHECK(int_field(a.head, "status") == 200);
      CHECK(parse_json(a.payload) == Json{{"received", true}, {"credited", true}});
    }
  }
}

TEST_CASE("a request that debits a wallet names the auto top-up follow-up; the follow-up claims first", "[payments]") {
  Json spend = {{"name", "wallet.spend"}, {"sql", "..."}, {"params", Json::array({"req_1", "user_b", 1, "user_b", -5, nullptr})}};
  CHECK(store::wallet::spender_of(spend) == "user_b");
  CHECK(store::wallet::spender_of({{"name", "wallet.earn"}, {"params", Json::array({"a", "b", 1, "c"})}}) == "");

  Engine engine;
  REQUIRE(engine.init(dump_json(platform_config(true, true))).empty());
  const uint32_t h = engine.open();
  Action a = engine.step(h, ev({{"type", "follow_up"}, {"follow_up", {{"type", "auto_topup"}, {"owner_id", "user_b"}}},
                                {"nonce", "0123456789abcdef0123456789abcdef"}, {"now", 5000}}),
                         "");
  REQUIRE(str_field(a.head, "type") == "sql");
  CHECK(str_field(a.head["statements"][0], "name") == "auto_topup.claim");
  CHECK(str_field(a.head["statements"][1], "name") == "auto_topup.start_payment");
  // Not due (the claim matched nothing): nothing is charged.
  a = engine.step(h, ev({{"type", "rows"}, {"results", Json::array({Json::array(), Json::array()})}, {"now", 5000}}), "");
  CHECK(str_field(a.head, "type") == "done");

  // Claimed: the charge carries the payment id as its idempotency key and the key by reference only.
  const uint32_t h2 = engine.open();
  a = engine.step(h2, ev({{"type", "follow_up"}, {"follow_up", {{"type", "auto_topup"}, {"owner_id", "user_b"}}},
                          {"nonce", "0123456789abcdef0123456789abcdef"}, {"now", 5000}}),
                  "");
  const std::string id = a.head["statements"][0]["params"][1].get<std::string>();
  a = engine.step(h2, ev({{"type", "rows"}, {"results", Json::array({Json::array({{{"amount_cents", 500}, {"customer_id", "cus_1"},
                                                                                   {"payment_method_id", "pm_1"}}}),
                                                                     Json::array()})}, {"now", 5000}}),
                  "");
  REQUIRE(str_field(a.head, "type") == "fetch");
  CHECK(str_field(a.head, "url") == "http://stripe.test/v1/payment_intents");
  CHECK(str_field(a.head, "secret_ref") == "stripe");
  CHECK(str_field(a.head["headers"], "idempotency-key") == id);
  CHECK(a.payload.find("off_session=true") != std::string::npos);
  CHECK(a.payload.find("metadata%5Btype%5D=auto_topup") != std::string::npos);
  // A decline: the payment fails and the failure is counted.
  a = engine.step(h2, ev({{"type", "upstream_head"}, {"status", 402}, {"now", 5001}}), "");
  REQUIRE(str_field(a.head, "type") == "read_body");
  a = engine.step(h2, ev({{"type", "upstream_body"}, {"now", 5002}}),
                  R"({"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}})");
  REQUIRE(str_field(a.head, "type") == "sql");
  CHECK(str_field(a.head["statements"][0], "name") == "payments.fail");
  CHECK(str_field(a.head["statements"][1], "name") == "auto_topup.failed");
  CHECK(a.head["statements"][1]["params"][2] == "Your card was declined. (card_declined)");
}

TEST_CASE("an auto top-up charge: success credits in one batch; no answer is a failure", "[payments]") {
  Engine engine;
  REQUIRE(engine.init(dump_json(platform_config(true, true))).empty());
  const auto claimed = [&](uint32_t h) {
    engine.step(h, ev({{"type", "follow_up"}, {"follow_up", {{"type", "auto_topup"}, {"owner_id", "user_b"}}},
                       {"nonce", "fedcba9876543210fedcba9876543210"}, {"now", 9000}}),
                "");
    return engine.step(h, ev({{"type", "rows"}, {"results", Json::array({Json::array({{{"amount_cents", 700}, {"customer_id", "cus_1"},
                                                                                      {"payment_method_id", "pm_1"}}}),
                                                                        Json::array()})}, {"now", 9000}}),
                       "");
  };
  const uint32_t h = engine.open();
  Action a = claimed(h);
  REQUIRE(str_field(a.head, "type") == "fetch");
  CHECK(a.payload.find("amount=700") != std::string::npos);
  a = engine.step(h, ev({{"type", "upstream_head"}, {"status", 200}, {"now", 9001}}), "");
  a = engine.step(h, ev({{"type", "upstream_body"}, {"now", 9002}}), R"({"id":"pi_1","object":"payment_intent","status":"succeeded"})");
  REQUIRE(str_field(a.head, "type") == "sql");
  const Json& st = a.head["statements"];
  REQUIRE(st.size() == 3);
  CHECK(str_field(st[0], "name") == "payments.complete_auto_topup");
  CHECK(str_field(st[1], "name") == "payments.credit");
  CHECK(st[1]["params"][0] == "auto_topup");
  CHECK(str_field(st[2], "name") == "auto_topup.succeeded");
  a = engine.step(h, ev({{"type", "rows"}, {"results", Json::array({Json::array(), Json::array(), Json::array()})}, {"now", 9003}}), "");
  CHECK(str_field(a.head, "type") == "done");

  // A timeout or a dropped connection: the payment fails (Stripe's event credits it if it did go through).
  const uint32_t h2 = engine.open();
  claimed(h2);
  a = engine.step(h2, ev({{"type", "upstream_error"}, {"kind", "timeout"}, {"message", "no response headers in time"}, {"now", 9001}}), "");
  REQUIRE(str_field(a.head, "type") == "sql");
  CHECK(str_field(a.head["statements"][0], "name") == "payments.fail");
  CHECK(a.head["statements"][1]["params"][2] == "Stripe could not be reached: no response headers in time");
  // A status other than succeeded (3-D Secure needed off-session) is a failure too.
  const uint32_t h3 = engine.open();
  claimed(h3);
  engine.step(h3, ev({{"type", "upstream_head"}, {"status", 200}, {"now", 9001}}), "");
  a = engine.step(h3, ev({{"type", "upstream_body"}, {"now", 9002}}), R"({"id":"pi_2","status":"requires_action"})");
  CHECK(str_field(a.head["statements"][0], "name") == "payments.fail");
  CHECK(a.head["statements"][1]["params"][2] == "the charge ended as 'requires_action'");
}
