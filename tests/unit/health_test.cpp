#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "fixtures.h"
#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/kiro/errors.h"
#include "protocols/openai/errors.h"
#include "routing/health.h"

using namespace keyaos;

namespace {

constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z

struct Row {
  const char* shape;
  UpstreamError error;
  ErrorClass expected;
  HealthEffect effect;
};

UpstreamError oai_error(int status, const std::string& body) { return openai::classify_http_error(status, body, "", kNow); }
UpstreamError google_error(int status, const std::string& body) { return google_v1internal::classify_error(status, body, kNow); }
UpstreamError kiro_error(int status, const std::string& body) { return kiro::classify_error(status, body, kNow); }

const char* effect_name(HealthEffect e) {
  switch (e) {
    case HealthEffect::none: return "none";
    case HealthEffect::cooldown: return "cooldown";
    case HealthEffect::dead: return "dead";
  }
  return "?";
}

}  // namespace

TEST_CASE("upstream errors about the request leave the key alone; errors about the key change its health", "[health][classify]") {
  const std::vector<Row> rows = {
      // OpenAI
      {"openai 401 invalid_api_key", oai_error(401, read_fixture("openai_error_401_invalid_api_key.json")), ErrorClass::auth, HealthEffect::dead},
      {"openai 403 country/region",
       oai_error(403, R"({"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","param":null,"code":"unsupported_country_region_territory"}})"),
       ErrorClass::forbidden, HealthEffect::cooldown},
      {"openai 429 insufficient_quota", oai_error(429, read_fixture("openai_error_429_insufficient_quota.json")), ErrorClass::payment, HealthEffect::cooldown},
      // OpenRouter
      {"openrouter 402 requires more credits, or fewer max_tokens",
       oai_error(402, R"({"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 10000000 tokens, but can only afford 3276. To increase, visit https://openrouter.ai/settings/credits and add more credits","code":402,"metadata":{"provider_name":null}},"user_id":"user_x"})"),
       ErrorClass::unaffordable, HealthEffect::none},
      {"openrouter 402 insufficient credits (account)", oai_error(402, read_fixture("openrouter_error_402.json")), ErrorClass::payment, HealthEffect::cooldown},
      {"openrouter 403 moderation with metadata.reasons",
       oai_error(403, R"({"error":{"code":403,"message":"openai/gpt-4o-mini requires moderation on OpenAI. Your input was flagged for \"harassment\". No credits were charged.","metadata":{"reasons":["harassment"],"flagged_input":"...","provider_name":"OpenAI","model_slug":"openai/gpt-4o-mini"}}})"),
       ErrorClass::content_policy, HealthEffect::none},
      {"openrouter 403 model not allowed for this key",
       oai_error(403, R"({"error":{"code":403,"message":"This model is not available for this API key: guardrail policy blocks provider OpenAI"}})"),
       ErrorClass::forbidden, HealthEffect::cooldown},
      {"openrouter 401 no auth credentials", oai_error(401, read_fixture("openrouter_error_401.json")), ErrorClass::auth, HealthEffect::dead},
      {"openrouter 401 user not found", oai_error(401, R"({"error":{"message":"User not found.","code":401}})"), ErrorClass::auth, HealthEffect::dead},
      // DeepSeek
      {"deepseek 402 insufficient balance", oai_error(402, read_fixture("deepseek_error_402.json")), ErrorClass::payment, HealthEffect::cooldown},
      {"deepseek 401 authentication fails",
       oai_error(401, R"({"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}})"),
       ErrorClass::auth, HealthEffect::dead},
      // Google Code Assist
      {"google 403 PERMISSION_DENIED, account", google_error(403, R"({"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}})"),
       ErrorClass::auth, HealthEffect::dead},
      {"google 403 PERMISSION_DENIED, VALIDATION_REQUIRED",
       google_error(403, R"({"error":{"code":403,"message":"Verify your account","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"VALIDATION_REQUIRED","domain":"cloudcode-pa.googleapis.com"}]}})"),
       ErrorClass::auth, HealthEffect::dead},
      {"google 403 PERMISSION_DENIED, model not available for the tier",
       google_error(403, R"({"error":{"code":403,"message":"The model gemini-3-pro-preview is not available for your account tier.","status":"PERMISSION_DENIED"}})"),
       ErrorClass::forbidden, HealthEffect::cooldown},
      {"google 403 PERMISSION_DENIED, location",
       google_error(403, R"({"error":{"code":403,"message":"User location is not supported for the API use.","status":"PERMISSION_DENIED"}})"),
       ErrorClass::forbidden, HealthEffect::cooldown},
      {"google 401 UNAUTHENTICATED", google_error(401, R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}})"),
       ErrorClass::auth, HealthEffect::dead},
      {"google 429 RESOURCE_EXHAUSTED, rate", google_error(429, read_fixture("gemini_v1internal_error_429_rate_limit.json")), ErrorClass::rate_limited, HealthEffect::cooldown},
      {"google 429 RESOURCE_EXHAUSTED, daily quota", google_error(429, read_fixture("gemini_v1internal_error_429_daily_quota.json")), ErrorClass::quota_exhausted, HealthEffect::cooldown},
      {"google INSUFFICIENT_G1_CREDITS_BALANCE",
       google_error(429, R"({"error":{"code":429,"message":"No credits","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"INSUFFICIENT_G1_CREDITS_BALANCE"}]}})"),
       ErrorClass::payment, HealthEffect::cooldown},
      // Kiro
      {"kiro 403 bearer token invalid", kiro_error(403, read_fixture("kiro_error_403_bearer_invalid.json")), ErrorClass::auth, HealthEffect::dead},
      {"kiro 402 monthly limit", kiro_error(402, read_fixture("kiro_error_402_monthly_limit.json")), ErrorClass::quota_exhausted, HealthEffect::cooldown},
      {"kiro 403 model not available", kiro_error(403, R"({"message":"The model claude-opus-4.7 is not available for your subscription.","reason":null})"),
       ErrorClass::forbidden, HealthEffect::cooldown},
  };
  for (const auto& row : rows) {
    INFO(row.shape << ": " << error_class_name(row.error.error_class) << " (" << row.error.message << ")");
    CHECK(row.error.error_class == row.expected);
    CHECK(std::string(effect_name(health_effect(row.error.error_class))) == effect_name(row.effect));
  }
}

TEST_CASE("request-level errors: which go back to the client and which fail over", "[health][classify]") {
  // A flagged prompt would be flagged by every key of the model: back to the client, with the upstream's 403.
  UpstreamError flagged = oai_error(403, R"({"error":{"code":403,"message":"Your input was flagged","metadata":{"reasons":["violence"]}}})");
  CHECK_FALSE(error_class_fails_over(flagged.error_class));
  CHECK(flagged.http_status == 403);
  CHECK(flagged.code == "content_flagged");
  // Another key (or provider) may afford the max_tokens this one cannot.
  UpstreamError costly = oai_error(402, R"({"error":{"code":402,"message":"This request requires more credits, or fewer max_tokens. You requested up to 10000000 tokens, but can only afford 12."}})");
  CHECK(error_class_fails_over(costly.error_class));
  CHECK(costly.code == "insufficient_credits_for_request");
  CHECK(costly.type == "insufficient_quota");
  CHECK(error_class_fails_over(ErrorClass::forbidden));
  // The same shapes inside a stream.
  CHECK(openai::classify_stream_error(R"({"code":402,"message":"This request requires more credits, or fewer max_tokens."})").error_class ==
        ErrorClass::unaffordable);
  CHECK(openai::classify_stream_error(R"({"code":403,"message":"Your input was flagged","metadata":{"reasons":["hate"]}})").error_class ==
        ErrorClass::content_policy);
  CHECK(openai::classify_stream_error(R"({"code":401,"message":"User not found."})").error_class == ErrorClass::auth);
}

TEST_CASE("a burst of concurrent failures does not lengthen the cooldown; failed probes do, up to the cap", "[health][cooldown]") {
  routing::HealthBook book;
  book.set_schedule({1000, 4000, 3600000});
  std::vector<Statement> writes;
  UpstreamError busy{ErrorClass::server, 503, "overloaded", "", "", -1};
  // Eight requests that were all in flight when the upstream started failing.
  for (int i = 0; i < 8; ++i) book.failure("c", "m", busy, 10000 + i, 0.0, writes);
  CHECK(book.ready_at("c", "m") == 10001 + 1000);  // cooling after the second, not 2^6 times longer
  CHECK(book.states().at("c\nm").failures == 2);
  int64_t t = 11001;
  // Each failed probe doubles the wait; jitter never takes it past the cap.
  const std::pair<int64_t, double> steps[] = {{2000, 0.0}, {4000, 0.99}, {4000, 0.99}, {4000, 0.0}};
  for (auto [wait, jitter] : steps) {
    REQUIRE(book.admit("c", "m", t, nullptr) == routing::HealthBook::Gate::probe);
    book.failure("c", "m", busy, t, jitter, writes);
    CHECK(book.ready_at("c", "m") - t == wait);
    t += wait;
  }
  // A successful probe returns the pair to the rotation at once.
  REQUIRE(book.admit("c", "m", t, nullptr) == routing::HealthBook::Gate::probe);
  writes.clear();
  book.success("c", "m", writes);
  CHECK(book.admit("c", "m", t + 1, nullptr) == routing::HealthBook::Gate::open);
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].name == "health.clear");
  CHECK(writes[0].params == Json::array({"c", "m"}));
}

TEST_CASE("a probe claimed but not used goes back", "[health][cooldown]") {
  routing::HealthBook book;
  std::vector<Statement> writes;
  UpstreamError limited{ErrorClass::rate_limited, 429, "later", "", "", 1000};
  book.failure("c", "m", limited, 0, 0.0, writes);
  CHECK(book.admit("c", "m", 1000, nullptr) == routing::HealthBook::Gate::probe);
  CHECK(book.admit("c", "m", 1001, nullptr) == routing::HealthBook::Gate::probing_elsewhere);
  book.release_probe("c", "m");
  CHECK(book.admit("c", "m", 1002, nullptr) == routing::HealthBook::Gate::probe);
}

TEST_CASE("an empty balance rests the whole credential until a refresh or a success", "[health][cooldown]") {
  routing::HealthBook book;
  std::vector<Statement> writes;
  UpstreamError broke{ErrorClass::payment, 402, "Insufficient credits", "", "", -1};
  book.failure("c", routing::kAllModels, broke, 0, 0.0, writes);
  int64_t ready = 0;
  CHECK(book.admit("c", "any/model", 1000, &ready) == routing::HealthBook::Gate::cooling);
  CHECK(ready == 3600000);
  CHECK(book.admit("other", "any/model", 1000, nullptr) == routing::HealthBook::Gate::open);
  book.clear_credential("c");
  CHECK(book.admit("c", "any/model", 1000, nullptr) == routing::HealthBook::Gate::open);
  // Once it ends, one request probes; its success clears the credential-wide row too.
  book.failure("c", routing::kAllModels, broke, 0, 0.0, writes);
  CHECK(book.admit("c", "x/y", 3600000, nullptr) == routing::HealthBook::Gate::probe);
  writes.clear();
  book.success("c", "x/y", writes);
  CHECK(writes.size() == 1);
  CHECK(book.admit("c", "x/z", 3600001, nullptr) == routing::HealthBook::Gate::open);
}
