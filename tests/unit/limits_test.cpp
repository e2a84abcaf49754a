// Request bounds: JSON depth, list and id lengths, numeric settings, and the
// caps on what the isolate caches between requests.
#include <catch2/catch.hpp>

#include "core/gateway.h"
#include "core/json_depth.h"
#include "core/limits.h"
#include "fake_host.h"
#include "protocols/openai/chat_request.h"

using namespace keyaos;
using keyaos::testing::FakeHost;
using keyaos::testing::error_of;
using keyaos::testing::type_of;

namespace {

std::string nested(size_t depth, const std::string& leaf = "1") {
  return std::string(depth, '[') + leaf + std::string(depth, ']');
}

std::string nested_objects(size_t depth) {
  std::string out;
  for (size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += "1";
  out += std::string(depth, '}');
  return out;
}

const char* kMessages = R"("messages":[{"role":"user","content":"hi"}])";

std::string chat(const std::string& extra) { return std::string(R"({"model":"gpt-4o-mini",)") + kMessages + (extra.empty() ? "" : "," + extra) + "}"; }

// The engine's first answer to a request on `path`, with SQL answered by the fake host.
Action send(FakeHost& host, const std::string& method, const std::string& path, const std::string& body, int64_t now = 1000) {
  const uint32_t h = host.engine.open();
  Json ev = {{"type", "request"}, {"method", method}, {"path", path}, {"query", ""},
             {"headers", {{"authorization", std::string("Bearer ") + keyaos::testing::kAdminToken}}}, {"now", now},
             {"nonce", "0123456789abcdef0123456789abcdef"}};
  Action a = host.settle(h, host.engine.step(h, FakeHost::event(ev), body), now);
  host.engine.close(h);
  return a;
}

// A 400 naming `param` with `code`.
void require_rejected(const Action& a, const std::string& param, const std::string& code) {
  INFO(a.payload);
  REQUIRE(type_of(a) == "respond");
  CHECK(a.head["status"] == 400);
  Json e = error_of(a);
  CHECK(str_field(e, "type") == "invalid_request_error");
  CHECK(str_field(e, "param") == param);
  CHECK(str_field(e, "code") == code);
}

}  // namespace

TEST_CASE("JSON depth is measured in one pass, strings and escapes skipped", "[limits]") {
  CHECK(check_json_depth(nested(64), 64).ok);
  CHECK_FALSE(check_json_depth(nested(65), 64).ok);
  CHECK(check_json_depth(nested_objects(64), 64).ok);
  CHECK_FALSE(check_json_depth(nested_objects(65), 64).ok);
  // Brackets inside strings, including after an escaped quote, do not count.
  CHECK(check_json_depth(R"({"a":"[[[[[[\"[[[[[[{{{{"})", 2).ok);
  // Long strings are skipped eight bytes at a time; an escaped quote at any offset does not end one.
  for (size_t at = 0; at < 20; ++at) {
    const std::string text = "{\"a\":\"" + std::string(at, 'x') + "\\\"[[[[" + std::string(20, 'y') + "\",\"b\":[[1]]}";
    INFO(text);
    CHECK(check_json_depth(text, 3).ok);
    const JsonDepth deep = check_json_depth(text, 2);
    CHECK_FALSE(deep.ok);
    CHECK(deep.top_key == "b");
  }
  JsonDepth d = check_json_depth(R"({"model":"x","stream_options":{"a":[[1]]}})", 3);
  CHECK_FALSE(d.ok);
  CHECK(d.top_key == "stream_options");
  // The key is the top-level one even when inner objects have keys of their own.
  d = check_json_depth(R"({"tools":[{"type":"function","function":{"parameters":{"x":[]}}}]})", 4);
  CHECK_FALSE(d.ok);
  CHECK(d.top_key == "tools");
  CHECK(check_json_depth(nested(20000)).ok == false);
}

TEST_CASE("a chat body at the depth limit is served and one level more is refused", "[limits]") {
  FakeHost host;
  // The body object is level 1, so `metadata` may hold limit-1 levels.
  const size_t inner = limits::kMaxJsonDepth - 1;
  Action ok = send(host, "POST", "/v1/chat/completions", chat(R"("metadata":)" + nested(inner)));
  CHECK(type_of(ok) == "fetch");
  Action deep = send(host, "POST", "/v1/chat/completions", chat(R"("metadata":)" + nested(inner + 1)));
  require_rejected(deep, "metadata", "json_too_deep");
}

TEST_CASE("a management body at the depth limit is read and one level more is refused", "[limits]") {
  FakeHost host;
  const size_t inner = limits::kMaxJsonDepth - 1;
  Action ok = send(host, "POST", "/api/api-keys", R"({"name":"ci","allowed_models":)" + nested(inner, "\"a\"") + "}");
  // Past the depth check, the route's own validation answers.
  require_rejected(ok, "allowed_models", "invalid_type");
  Action deep = send(host, "POST", "/api/api-keys", R"({"name":"ci","allowed_models":)" + nested(inner + 1, "\"a\"") + "}");
  require_rejected(deep, "allowed_models", "json_too_deep");
  Action patch = send(host, "PATCH", "/api/providers/mine", R"({"models":)" + nested(inner + 1) + "}");
  require_rejected(patch, "models", "json_too_deep");
}

TEST_CASE("20,000-deep values in stream_options, tool parameters and message content are refused", "[limits]") {
  FakeHost host;
  const std::string deep = nested_objects(20000);
  std::string stream_options = R"({"model":"gpt-4o-mini","stream":true,)" + std::string(kMessages) + R"(,"stream_options":)" + deep + "}";
  require_rejected(send(host, "POST", "/v1/chat/completions", stream_options), "stream_options", "json_too_deep");
  std::string tools = chat(R"("tools":[{"type":"function","function":{"name":"f","parameters":)" + deep + "}}]");
  require_rejected(send(host, "POST", "/v1/chat/completions", tools), "tools", "json_too_deep");
  std::string content = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":)" + nested(20000) + "}]}";
  require_rejected(send(host, "POST", "/v1/chat/completions", content), "messages", "json_too_deep");
  // The engine still serves the next request.
  CHECK(type_of(send(host, "POST", "/v1/chat/completions", chat(""))) == "fetch");
}

TEST_CASE("the routing cache stays bounded under 10,000 distinct unknown model names", "[limits]") {
  FakeHost host;
  host.offerings = Json::array();  // every name is a miss
  for (int i = 0; i < 10000; ++i) {
    Action a = send(host, "POST", "/v1/chat/completions",
                    R"({"model":"nobody/model-)" + std::to_string(i) + R"(",)" + kMessages + "}", 1000 + i);
    REQUIRE(type_of(a) == "respond");
    REQUIRE(a.head["status"] == 404);
    REQUIRE(host.engine.gateway().offerings_cached() <= limits::kMaxOfferingCacheEntries);
  }
  // Known models still route after the churn.
  host.offerings = FakeHost().offerings;
  CHECK(type_of(send(host, "POST", "/v1/chat/completions", chat(""), 20000)) == "fetch");
}

TEST_CASE("the API key cache stays bounded under a flood of unknown keys", "[limits]") {
  Gateway gw;
  gw.configure(Json::object());
  for (int i = 0; i < 3 * static_cast<int>(limits::kMaxApiKeyCacheEntries); ++i) {
    gw.store_api_key("hash-" + std::to_string(i), Json(nullptr), 1000);
    REQUIRE(gw.api_keys_cached() <= limits::kMaxApiKeyCacheEntries);
  }
}

TEST_CASE("the models fallback list and model ids are bounded", "[limits]") {
  FakeHost host;
  auto models = [](size_t n) {
    std::string list = "[";
    for (size_t i = 0; i < n; ++i) list += (i ? ",\"" : "\"") + std::string("vendor/m") + std::to_string(i) + "\"";
    return list + "]";
  };
  // At the bound, the list is accepted (and each unknown model is tried in turn).
  Action at = send(host, "POST", "/v1/chat/completions", chat(R"("models":)" + models(limits::kMaxFallbackModels)));
  CHECK(type_of(at) == "fetch");
  require_rejected(send(host, "POST", "/v1/chat/completions", chat(R"("models":)" + models(limits::kMaxFallbackModels + 1))),
                   "models", "invalid_value");
  require_rejected(send(host, "POST", "/v1/chat/completions", chat(R"("models":)" + models(5000))), "models", "invalid_value");

  const std::string longest(limits::kMaxModelIdLength, 'm');
  Action fits = send(host, "POST", "/v1/chat/completions", R"({"model":")" + longest + R"(",)" + kMessages + "}");
  CHECK(fits.head["status"] == 404);  // read, then not found in the catalogue
  require_rejected(send(host, "POST", "/v1/chat/completions", R"({"model":")" + longest + R"(m",)" + kMessages + "}"), "model",
                   "invalid_value");
  require_rejected(send(host, "POST", "/v1/chat/completions", chat(R"("models":[")" + longest + R"(m"])")), "models", "invalid_value");
  std::string providers = "[";
  for (size_t i = 0; i <= limits::kMaxProviderListEntries; ++i) providers += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  require_rejected(send(host, "POST", "/v1/chat/completions", chat(R"("provider":{"order":)" + providers + "]}")), "provider",
                   "invalid_type");
}

TEST_CASE("max_tokens and sampling settings must be numbers in range", "[limits]") {
  FakeHost host;
  for (const char* bad : {"-1", "0", "1e400", "1.5", "\"12\"", "1e3", "true", "[]", "1000001", "18446744073709551615"}) {
    INFO(bad);
    require_rejected(send(host, "POST", "/v1/chat/completions", chat(std::string(R"("max_tokens":)") + bad)), "max_tokens",
                     "invalid_value");
    require_rejected(send(host, "POST", "/v1/chat/completions", chat(std::string(R"("max_completion_tokens":)") + bad)),
                     "max_completion_tokens", "invalid_value");
  }
  struct Case {
    const char* field;
    const char* value;
  };
  for (Case c : {Case{"temperature", "-0.1"}, Case{"temperature", "2.5"}, Case{"temperature", "1e400"}, Case{"temperature", "\"1\""},
                 Case{"top_p", "1.01"}, Case{"top_p", "-1"}, Case{"n", "0"}, Case{"n", "1.5"}, Case{"n", "129"},
                 Case{"presence_penalty", "3"}, Case{"frequency_penalty", "-2.5"}, Case{"top_k", "-1"}, Case{"seed", "0.5"}}) {
    INFO(c.field << "=" << c.value);
    require_rejected(send(host, "POST", "/v1/chat/completions", chat("\"" + std::string(c.field) + "\":" + c.value)), c.field,
                     "invalid_value");
  }
  // In range, or null, the request goes on to the upstream.
  for (const char* ok : {R"("max_tokens":100)", R"("max_tokens":null)", R"("max_completion_tokens":1000000)", R"("temperature":0)",
                         R"("temperature":2)", R"("top_p":0.5)", R"("n":1)", R"("seed":-5)", R"("top_k":40)",
                         R"("presence_penalty":-2,"frequency_penalty":1.5)", R"("temperature":null,"top_p":null)"}) {
    INFO(ok);
    CHECK(type_of(send(host, "POST", "/v1/chat/completions", chat(ok))) == "fetch");
  }
}

TEST_CASE("max_completion_tokens sets the expected output over max_tokens in either order", "[limits]") {
  openai::ChatRequest a, b, c;
  ApiError error;
  REQUIRE(openai::parse_chat_request(chat(R"("max_tokens":10,"max_completion_tokens":20)"), a, error));
  REQUIRE(openai::parse_chat_request(chat(R"("max_completion_tokens":20,"max_tokens":10)"), b, error));
  REQUIRE(openai::parse_chat_request(chat(R"("max_completion_tokens":null,"max_tokens":10)"), c, error));
  CHECK(a.max_output_tokens == 20);
  CHECK(b.max_output_tokens == 20);
  CHECK(c.max_output_tokens == 10);
}
