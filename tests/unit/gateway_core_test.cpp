// Core pieces of the gateway spine: cost arithmetic, usage reading, the SSE
// scanner, request parsing and ranking.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "billing/cost.h"
#include "fixtures.h"
#include "protocols/openai/chat_request.h"
#include "protocols/openai/sse_scanner.h"
#include "protocols/openai/usage.h"
#include "routing/ranking.h"

using namespace keyaos;

TEST_CASE("a non-streaming answer is read in one pass: error, model, content, usage", "[core][openai]") {
  openai::CompletionSummary a;
  REQUIRE(openai::read_completion(
      R"({"id":"x","model":"m-1","choices":[{"message":{"role":"assistant","content":"Hel"}},{"message":{"content":"lo"}},)"
      R"({"message":{"content":null}},7],"error":null})",
      a));
  CHECK(a.model == "m-1");
  CHECK(a.content == "Hello");
  CHECK(a.error_json.empty());
  CHECK_FALSE(a.usage.present);

  REQUIRE(openai::read_completion(R"({"error":{"message":"quota","code":429},"usage":{"prompt_tokens":3,"completion_tokens":4}})", a));
  CHECK(nlohmann::json::parse(a.error_json) == nlohmann::json({{"message", "quota"}, {"code", 429}}));
  CHECK(a.usage.present);
  CHECK(a.usage.completion_tokens == 4);

  // What is not read is still checked: the body goes to the client as it came.
  for (const char* broken : {R"({"model":"m","extra":[1,2,}])", R"({"model":"m"} trailing)", R"([1,2])", R"("text")", "", R"({"a":tru})"}) {
    INFO(broken);
    CHECK_FALSE(openai::read_completion(broken, a));
  }
}

TEST_CASE("upstream-reported costs are exact to the nano-dollar", "[core][billing]") {
  openai::CompletionSummary answer;
  REQUIRE(openai::read_completion(read_fixture("deepinfra_chat_response_estimated_cost.json"), answer));
  REQUIRE(answer.usage.present);
  const Usage& u = answer.usage;
  CHECK(u.prompt_tokens == 1695);
  CHECK(u.completion_tokens == 203);
  billing::Prices p{0.13, 0.60, {}, {}};
  auto c = billing::compute_cost(u, p, p, 1.0);
  CHECK(c.upstream_reported);
  CHECK(c.base == 342150);                    // $0.00034215
  CHECK(billing::token_cost(u, p) == 342150);  // 1695 x 0.13/M + 203 x 0.60/M
}

TEST_CASE("token prices with cached input", "[core][billing]") {
  Usage u;
  u.prompt_tokens = 2;
  u.completion_tokens = 362;
  CHECK(billing::token_cost(u, {0.30, 2.50, {}, {}}) == 905600);  // OpenRouter's 0.0009056
  Usage cached;
  cached.prompt_tokens = 1000;
  cached.cached_tokens = 800;
  cached.completion_tokens = 100;
  // 200 x 0.15 + 800 x 0.075 + 100 x 0.60 (per M) = 30 + 60 + 60 = 150 micro-USD
  CHECK(billing::token_cost(cached, {0.15, 0.60, 0.075, {}}) == 150000);
  auto c = billing::compute_cost(cached, {0.15, 0.60, 0.075, {}}, {0.30, 1.20, {}, {}}, 0.5);
  CHECK(c.effective == 75000);
  CHECK(c.list == 420000);  // 1000 x 0.30 + 100 x 1.20 at the reference price (no cache price there)
}

TEST_CASE("the SSE scanner reads the same usage however the stream is split", "[core][sse]") {
  std::string stream = read_fixture("openai_chat_stream_text_with_usage.sse");
  REQUIRE(!stream.empty());
  for (size_t step : {size_t(1), size_t(7), size_t(64), stream.size()}) {
    openai::SseScanner s;
    for (size_t i = 0; i < stream.size(); i += step) s.feed(std::string_view(stream).substr(i, step));
    s.end();
    CHECK(s.content_started());
    CHECK(s.finished());
    CHECK(s.done());
    CHECK_FALSE(s.failed());
    CHECK(s.usage().prompt_tokens == 14);
    CHECK(s.usage().completion_tokens == 30);
  }
}

TEST_CASE("the SSE scanner sees errors inside a 200 stream", "[core][sse]") {
  openai::SseScanner s;
  s.feed(read_fixture("openrouter_stream_keepalive_and_error.sse"));
  s.end();
  CHECK(s.failed());
  CHECK(s.error().error_class == ErrorClass::server);
  CHECK(s.error().message == "Provider disconnected");
  openai::SseScanner mid;
  mid.feed(read_fixture("openai_chat_stream_midstream_error.sse"));
  mid.end();
  CHECK(mid.failed());
  CHECK_FALSE(mid.finished());
}

TEST_CASE("chat requests: routing fields are consumed, the rest kept verbatim", "[core][request]") {
  openai::ChatRequest r;
  ApiError e;
  REQUIRE(openai::parse_chat_request(
      R"({"model":"GPT-4o-mini","provider":{"order":["openai"],"allow_fallbacks":false},"messages":[{"role":"user","content":"hi"}],"stream":true,"temperature":0.2,"max_tokens":50})",
      r, e));
  CHECK(r.model == "GPT-4o-mini");
  CHECK(r.stream);
  CHECK(r.providers.order == std::vector<std::string>{"openai"});
  CHECK_FALSE(r.providers.allow_fallbacks);
  CHECK(r.max_output_tokens == 50);
  CHECK(openai::upstream_chat_body(r, "gpt-4o-mini") ==
        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"temperature":0.2,"max_tokens":50,"stream_options":{"include_usage":true}})");
  openai::ChatRequest bad;
  CHECK_FALSE(openai::parse_chat_request(R"({"messages":[{"role":"user","content":"x"}]})", bad, e));
  CHECK(e.param == "model");
  CHECK_FALSE(openai::parse_chat_request(R"([1,2])", bad, e));
  CHECK(e.code == "invalid_json");
}

TEST_CASE("ranking over the shared pool: the caller's own list plus every other owner's, each once", "[core][routing][platform]") {
  std::vector<routing::Offering> offers = {{"openai", "openai/gpt-4o-mini", "gpt-4o-mini", {0.15, 0.60, {}, {}}}};
  auto credential = [](std::string id, std::string owner, double multiplier) {
    routing::Credential c;
    c.id = std::move(id);
    c.owner_id = std::move(owner);
    c.provider_id = "openai";
    c.multiplier = multiplier;
    return c;
  };
  const std::vector<routing::Credential> own = {credential("mine", "user_a", 1.0)};
  // The pool holds the caller's credential too: it must not be ranked twice.
  const std::vector<routing::Credential> pool = {credential("mine", "user_a", 1.0), credential("theirs", "user_b", 0.5),
                                                 credential("other", "user_c", 0.8)};
  openai::ProviderPreferences prefs;
  routing::HealthBook health;
  routing::RankInput in{&offers, &own, &prefs, 1000, 500, 0, 1000};
  CHECK(routing::rank(in, health).candidates.size() == 1);
  in.shared = &pool;
  in.shared_skip_owner = "user_a";
  const routing::Ranking r = routing::rank(in, health);
  REQUIRE(r.candidates.size() == 3);
  CHECK(r.candidates[0].credential->id == "theirs");  // cheapest first
  CHECK(r.candidates[1].credential->id == "other");
  CHECK(r.candidates[2].credential->id == "mine");
  CHECK(r.candidates[2].credential == &own[0]);  // the caller's own entry, not the pool's copy
  CHECK(r.candidates[0].credential == &pool[1]);  // pointers into the pool: nothing copied
}

TEST_CASE("ranking by expected cost, ties rotate, health gates", "[core][routing]") {
  std::vector<routing::Offering> offers = {{"openrouter", "openai/gpt-4o-mini", "openai/gpt-4o-mini", {0.15, 0.60, {}, {}}},
                                           {"openai", "openai/gpt-4o-mini", "gpt-4o-mini", {0.15, 0.60, {}, {}}}};
  auto credential = [](std::string id, std::string provider, double multiplier) {
    routing::Credential c;
    c.id = std::move(id);
    c.provider_id = std::move(provider);
    c.multiplier = multiplier;
    return c;
  };
  std::vector<routing::Credential> creds = {credential("a", "openrouter", 1.0), credential("b", "openai", 0.5),
                                            credential("c", "openai", 0.5)};
  openai::ProviderPreferences prefs;
  routing::HealthBook health;
  routing::RankInput in{&offers, &creds, &prefs, 1000, 500, 0, 1000};
  auto r0 = routing::rank(in, health);
  REQUIRE(r0.candidates.size() == 3);
  CHECK(r0.candidates[2].credential->id == "a");
  in.rotation = 1;
  auto r1 = routing::rank(in, health);
  CHECK(r0.candidates[0].credential->id != r1.candidates[0].credential->id);  // equal costs share the load
  std::vector<Statement> writes;
  UpstreamError limited{ErrorClass::rate_limited, 429, "slow down", "", "", 20000};
  health.failure("b", "openai/gpt-4o-mini", limited, 1000, 0.0, writes);
  CHECK(writes.size() == 1);
  auto r2 = routing::rank(in, health);
  CHECK(r2.candidates.size() == 2);
  CHECK(r2.cooling.size() == 1);
  in.now_ms = 1000 + 20000;  // cooldown over: one probe is admitted
  auto r3 = routing::rank(in, health);
  CHECK(r3.candidates.size() == 3);
  auto r4 = routing::rank(in, health);  // the probe is in flight: not again
  CHECK(r4.candidates.size() == 2);
}

TEST_CASE("bare model ids resolve only when unique", "[core][routing]") {
  std::vector<routing::Offering> rows = {{"x", "openai/gpt-4o-mini", "", {}}, {"y", "meta/llama-3", "", {}}, {"z", "other/llama-3", "", {}}};
  CHECK(routing::resolve_model("GPT-4o-Mini", rows).model_id == "openai/gpt-4o-mini");
  CHECK(routing::resolve_model("openai/gpt-4o-mini", rows).model_id == "openai/gpt-4o-mini");
  auto amb = routing::resolve_model("llama-3", rows);
  CHECK(amb.model_id.empty());
  CHECK(amb.ambiguous.size() == 2);
}
