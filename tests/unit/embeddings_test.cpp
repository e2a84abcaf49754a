// POST /v1/embeddings: request validation, vector encodings, answer
// normalisation, usage, and how model lists mark embedding models.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/builtin_providers.h"
#include "catalog/model_list.h"
#include "catalog/provider_json.h"
#include "catalog/sync_apply.h"
#include "protocols/openai/embeddings.h"

using namespace keyaos;
using namespace keyaos::openai;

namespace {

const catalog::ProviderDef& builtin(const std::string& id) {
  static std::vector<catalog::ProviderDef> providers = [] {
    std::vector<catalog::ProviderDef> loaded;
    std::string error;
    if (!catalog::load_builtin_providers(loaded, error)) FAIL(error);
    return loaded;
  }();
  for (const auto& def : providers)
    if (def.id == id) return def;
  FAIL("no builtin provider " << id);
  return providers.front();
}

EmbeddingsRequest parsed(const std::string& body) {
  EmbeddingsRequest req;
  ApiError error;
  INFO(body);
  REQUIRE(parse_embeddings_request(body, req, error));
  return req;
}

const catalog::CatalogEntry* row(const std::vector<catalog::CatalogEntry>& rows, const std::string& id) {
  for (const auto& r : rows)
    if (r.model_id == id) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("embeddings request: invalid bodies get a 400 naming the field", "[embeddings]") {
  struct Case {
    std::string body;
    std::string param;
    std::string code;
  };
  const std::string big(kMaxEmbeddingInputBytes + 1, 'a');
  std::string many = "[";
  for (size_t i = 0; i <= kMaxEmbeddingInputs; ++i) many += std::string(i ? "," : "") + "\"x\"";
  many += "]";
  const std::vector<Case> cases = {
      {"[]", "", "invalid_json"},
      {"{\"input\":\"hi\"}", "model", "missing_required_parameter"},
      {"{\"model\":\"openai/text-embedding-3-small\"}", "input", "missing_required_parameter"},
      {"{\"model\":7,\"input\":\"hi\"}", "model", "invalid_type"},
      {"{\"model\":\"m\",\"input\":\"\"}", "input", "invalid_value"},
      {"{\"model\":\"m\",\"input\":[]}", "input", "invalid_value"},
      {"{\"model\":\"m\",\"input\":[\"a\",\"\"]}", "input", "invalid_value"},
      {"{\"model\":\"m\",\"input\":[\"a\",1]}", "input", "invalid_type"},
      {"{\"model\":\"m\",\"input\":[1,-2]}", "input", "invalid_type"},
      {"{\"model\":\"m\",\"input\":[1.5]}", "input", "invalid_type"},
      {"{\"model\":\"m\",\"input\":[[1,2],[]]}", "input", "invalid_value"},
      {"{\"model\":\"m\",\"input\":[[1,\"a\"]]}", "input", "invalid_type"},
      {"{\"model\":\"m\",\"input\":{\"text\":\"a\"}}", "input", "invalid_type"},
      {"{\"model\":\"m\",\"input\":null}", "input", "invalid_type"},
      {"{\"model\":\"m\",\"input\":\"" + big + "\"}", "input", "invalid_value"},
      {"{\"model\":\"m\",\"input\":" + many + "}", "input", "invalid_value"},
      {"{\"model\":\"m\",\"input\":\"a\",\"encoding_format\":\"int8\"}", "encoding_format", "invalid_value"},
      {"{\"model\":\"m\",\"input\":\"a\",\"dimensions\":0}", "dimensions", "invalid_value"},
      {"{\"model\":\"m\",\"input\":\"a\",\"dimensions\":1.5}", "dimensions", "invalid_value"},
      {"{\"model\":\"m\",\"input\":\"a\",\"dimensions\":\"256\"}", "dimensions", "invalid_value"},
      {"{\"model\":\"m\",\"input\":\"a\",\"user\":42}", "user", "invalid_value"},
      {"{\"model\":\"m\",\"input\":\"a\",\"models\":\"x\"}", "models", "invalid_type"},
      {"{\"model\":\"m\",\"input\":\"a\",\"allow_model_fallback\":\"yes\"}", "allow_model_fallback", "invalid_type"},
      {"{\"model\":\"m\",\"input\":\"a\",\"provider\":7}", "provider", "invalid_type"},
      {"{\"model\":\"m\",\"input\":\"a\"} x", "", "invalid_json"},
  };
  for (const auto& c : cases) {
    EmbeddingsRequest req;
    ApiError error;
    INFO(c.body.substr(0, 120));
    CHECK_FALSE(parse_embeddings_request(c.body, req, error));
    CHECK(error.status == 400);
    CHECK(error.param == c.param);
    CHECK(error.code == c.code);
  }
}

TEST_CASE("embeddings request: the four input shapes, counted and forwarded verbatim", "[embeddings]") {
  auto one = parsed(R"({"model":"openai/text-embedding-3-small","input":"caf\u00e9 time"})");
  CHECK(one.input_count == 1);
  CHECK(one.input == R"("caf\u00e9 time")");
  CHECK(one.encoding == EncodingFormat::unset);

  auto strings = parsed(R"({"model":"m","input":["a", "bcdefgh"],"encoding_format":"base64"})");
  CHECK(strings.input_count == 2);
  CHECK(strings.input == R"(["a","bcdefgh"])");
  CHECK(strings.input_tokens == 1 + 2);
  CHECK(strings.encoding == EncodingFormat::base64);

  auto tokens = parsed(R"({"model":"m","input":[1, 2, 3]})");
  CHECK(tokens.input_count == 1);
  CHECK(tokens.input_tokens == 3);
  CHECK(tokens.input == "[1,2,3]");

  auto arrays = parsed(R"({"model":"m","input":[[1,2],[3]],"encoding_format":"float","dimensions":256,"user":"u-1","input_type":"query"})");
  CHECK(arrays.input_count == 2);
  CHECK(arrays.input_tokens == 3);
  CHECK(arrays.encoding == EncodingFormat::float32);

  // Routing fields stay here; the rest goes upstream as sent.
  auto routed = parsed(R"({"model":"m","input":"x","provider":{"only":["deepinfra"]},"models":["n"],"allow_model_fallback":true,"dimensions":8})");
  CHECK(routed.providers.only == std::vector<std::string>{"deepinfra"});
  CHECK(routed.fallback_models == std::vector<std::string>{"n"});
  CHECK(routed.allow_model_fallback);
  CHECK(upstream_embeddings_body(routed, "BAAI/bge-m3") == R"({"model":"BAAI/bge-m3","input":"x","dimensions":8})");
  CHECK(upstream_embeddings_body(arrays, "e") ==
        R"({"model":"e","input":[[1,2],[3]],"encoding_format":"float","dimensions":256,"user":"u-1","input_type":"query"})");
}

TEST_CASE("float32 vectors to base64 and back, byte for byte", "[embeddings]") {
  // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, 0.5f = 00 00 00 3f (little-endian).
  CHECK(floats_to_base64({1.0f}) == "AACAPw==");
  CHECK(floats_to_base64({1.0f, -2.0f}) == "AACAPwAAAMA=");
  CHECK(floats_to_base64({1.0f, -2.0f, 0.5f}) == "AACAPwAAAMAAAAA/");
  CHECK(floats_to_base64({}) == "");
  std::vector<float> back;
  REQUIRE(base64_to_floats("AACAPwAAAMAAAAA/", back));
  REQUIRE(back.size() == 3);
  CHECK(back[0] == 1.0f);
  CHECK(back[1] == -2.0f);
  CHECK(back[2] == 0.5f);
  // Values that need all nine digits survive the round trip exactly.
  std::vector<float> odd = {0.1f, -0.0123456789f, 3.4028235e38f, 1.17549435e-38f};
  REQUIRE(base64_to_floats(floats_to_base64(odd), back));
  REQUIRE(back.size() == odd.size());
  CHECK(std::memcmp(back.data(), odd.data(), odd.size() * 4) == 0);
  for (float f : odd) CHECK(std::strtof(format_float(f).c_str(), nullptr) == f);
  CHECK(format_float(0.5f) == "0.5");
  CHECK(format_float(0.1f) == "0.1");
  // Not base64, or not whole float32 values.
  CHECK_FALSE(base64_to_floats("AACAP", back));
  CHECK_FALSE(base64_to_floats("AACA", back));
  CHECK_FALSE(base64_to_floats("AA=A", back));
  CHECK_FALSE(base64_to_floats("AAC*Pw==", back));
}

TEST_CASE("embeddings answer: sorted by index, in the format the client asked for", "[embeddings]") {
  // Out of order, as some providers answer batches.
  const std::string upstream = R"({"object":"list","data":[
      {"object":"embedding","index":1,"embedding":[-2.0,0.5]},
      {"object":"embedding","index":0,"embedding":[1.0,0.25]}],
      "model":"text-embedding-3-small","usage":{"prompt_tokens":7,"total_tokens":7}})";
  auto req = parsed(R"({"model":"m","input":["a","b"],"encoding_format":"float"})");
  EmbeddingsAnswer answer;
  std::string error;
  REQUIRE(render_embeddings(upstream, req, "openai/text-embedding-3-small", answer, error));
  CHECK(answer.body ==
        R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[1.0,0.25]},{"object":"embedding","index":1,"embedding":[-2.0,0.5]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":7,"total_tokens":7}})");
  CHECK(answer.usage.prompt_tokens == 7);
  CHECK_FALSE(answer.usage.estimated);

  // The SDK's default: base64, also when the upstream sent floats.
  req.encoding = EncodingFormat::base64;
  REQUIRE(render_embeddings(upstream, req, "openai/text-embedding-3-small", answer, error));
  auto json = nlohmann::json::parse(answer.body);
  CHECK(json["data"][0]["embedding"] == floats_to_base64({1.0f, 0.25f}));
  CHECK(json["data"][1]["embedding"] == floats_to_base64({-2.0f, 0.5f}));

  // Floats when asked, also when the upstream sent base64.
  const std::string b64 = R"({"data":[{"index":0,"embedding":"AACAPwAAAMA="}],"usage":{"prompt_tokens":2}})";
  auto single = parsed(R"({"model":"m","input":"a","encoding_format":"float"})");
  REQUIRE(render_embeddings(b64, single, "baai/bge-m3", answer, error));
  CHECK(nlohmann::json::parse(answer.body)["data"][0]["embedding"] == nlohmann::json::array({1.0, -2.0}));
  CHECK(nlohmann::json::parse(answer.body)["model"] == "baai/bge-m3");  // the upstream named none
  single.encoding = EncodingFormat::unset;  // OpenAI's API answers floats when unset
  REQUIRE(render_embeddings(b64, single, "baai/bge-m3", answer, error));
  CHECK(nlohmann::json::parse(answer.body)["data"][0]["embedding"].is_array());
  single.encoding = EncodingFormat::base64;
  REQUIRE(render_embeddings(b64, single, "baai/bge-m3", answer, error));
  CHECK(nlohmann::json::parse(answer.body)["data"][0]["embedding"] == "AACAPwAAAMA=");
}

TEST_CASE("embeddings answer: a count or index that does not fit the input is refused", "[embeddings]") {
  auto req = parsed(R"({"model":"m","input":["a","b"]})");
  EmbeddingsAnswer answer;
  std::string error;
  CHECK_FALSE(render_embeddings(R"({"data":[{"index":0,"embedding":[1]}]})", req, "m", answer, error));
  CHECK(error.find("1 embeddings for 2 inputs") != std::string::npos);
  CHECK_FALSE(render_embeddings(R"({"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[2]}]})", req, "m", answer, error));
  CHECK_FALSE(render_embeddings(R"({"data":[{"index":0,"embedding":[1]},{"index":2,"embedding":[2]}]})", req, "m", answer, error));
  CHECK_FALSE(render_embeddings(R"({"data":[{"index":0,"embedding":[1]},{"index":1,"embedding":"@@"}]})", req, "m", answer, error));
  CHECK_FALSE(render_embeddings(R"({"data":[{"index":0,"embedding":[1]},{"index":1}]})", req, "m", answer, error));
  CHECK_FALSE(render_embeddings(R"({"object":"list"})", req, "m", answer, error));
  CHECK_FALSE(render_embeddings(R"({"data":[{"index":0,"embedding":[1]},{"index":1,"embedding":[2]}], "error":{"message":"x"}})", req, "m", answer, error));
  CHECK_FALSE(render_embeddings("not json", req, "m", answer, error));
  CHECK(render_embeddings(R"({"data":[{"index":1,"embedding":[2]},{"index":0,"embedding":[1]}]})", req, "m", answer, error));
}

TEST_CASE("embeddings usage: the upstream's prompt tokens and cost, else an estimate", "[embeddings]") {
  auto req = parsed(R"({"model":"m","input":["abcdefgh","abcd"]})");  // 2 + 1 estimated tokens
  EmbeddingsAnswer answer;
  std::string error;
  const std::string data = R"("data":[{"index":0,"embedding":[1]},{"index":1,"embedding":[2]}])";
  REQUIRE(render_embeddings("{" + data + R"(,"usage":{"prompt_tokens":11,"total_tokens":11,"cost":0.00000022}})", req, "m", answer, error));
  CHECK(answer.usage.prompt_tokens == 11);
  CHECK(answer.usage.completion_tokens == 0);
  REQUIRE(answer.usage.reported_cost_usd);
  CHECK(*answer.usage.reported_cost_usd == Approx(0.00000022));
  CHECK_FALSE(answer.usage.estimated);

  REQUIRE(render_embeddings("{" + data + R"(,"usage":{"prompt_tokens":5,"estimated_cost":0.0000001}})", req, "m", answer, error));
  CHECK(answer.usage.prompt_tokens == 5);
  CHECK(*answer.usage.reported_cost_usd == Approx(0.0000001));

  REQUIRE(render_embeddings("{" + data + "}", req, "m", answer, error));
  CHECK(answer.usage.prompt_tokens == 3);
  CHECK(answer.usage.estimated);
  CHECK(nlohmann::json::parse(answer.body)["usage"] == nlohmann::json({{"prompt_tokens", 3}, {"total_tokens", 3}}));

  REQUIRE(render_embeddings("{" + data + R"(,"usage":null})", req, "m", answer, error));
  CHECK(answer.usage.estimated);
}

TEST_CASE("model lists: each provider's list marks its embedding models", "[embeddings][catalog]") {
  std::vector<catalog::CatalogEntry> rows;
  std::string error;

  // OpenAI: ids only; the id says it.
  const auto& openai = builtin("openai");
  REQUIRE(catalog::parse_model_list(openai, "openai_list",
                                    R"({"data":[{"id":"gpt-4o-mini"},{"id":"text-embedding-3-large"},{"id":"text-embedding-ada-002"}]})", rows, error));
  REQUIRE(row(rows, "openai/gpt-4o-mini"));
  CHECK(row(rows, "openai/gpt-4o-mini")->type == catalog::ModelType::chat);
  CHECK(row(rows, "openai/text-embedding-3-large")->type == catalog::ModelType::embedding);
  CHECK(row(rows, "openai/text-embedding-ada-002")->type == catalog::ModelType::embedding);

  // DeepInfra: the list's type field, and its own snapshot for entries with no metadata.
  const auto& deepinfra = builtin("deepinfra");
  REQUIRE(catalog::parse_model_list(deepinfra, "deepinfra", R"({"data":[
      {"id":"Qwen/Qwen3-32B","type":"text-generation","metadata":{"pricing":{"input_tokens":0.1,"output_tokens":0.28}}},
      {"id":"intfloat/e5-large-v2","type":"embeddings","metadata":{"pricing":{"input_tokens":0.01}}},
      {"id":"BAAI/bge-m3","object":"model","metadata":null}]})", rows, error));
  CHECK(row(rows, "qwen/qwen3-32b")->type == catalog::ModelType::chat);
  CHECK(row(rows, "intfloat/e5-large-v2")->type == catalog::ModelType::embedding);
  CHECK(row(rows, "baai/bge-m3")->type == catalog::ModelType::embedding);

  // OpenRouter: a separate list, every entry of which is one.
  const auto& openrouter = builtin("openrouter");
  const std::string or_embeddings = R"({"data":[{"id":"openai/text-embedding-3-small","name":"Text Embedding 3 Small",
      "pricing":{"prompt":"0.00000002","completion":"0"},"architecture":{"input_modalities":["text"],"output_modalities":["embeddings"]}}]})";
  REQUIRE(catalog::parse_model_list(openrouter, "openrouter", or_embeddings, rows, error, true));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].type == catalog::ModelType::embedding);
  CHECK(*rows[0].input_price_per_m == Approx(0.02));
  // Its main list marks nothing by itself.
  REQUIRE(catalog::parse_model_list(openrouter, "openrouter",
                                    R"({"data":[{"id":"openai/gpt-4o-mini","pricing":{"prompt":"0.00000015","completion":"0.0000006"}}]})", rows, error));
  CHECK(rows[0].type == catalog::ModelType::chat);

  // Google AI Studio: the native list's supportedGenerationMethods; its
  // rows replace the OpenAI-style list's row of the same id.
  const auto& google = builtin("google-ai-studio");
  const std::string native = R"({"models":[
      {"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash","inputTokenLimit":1048576,"supportedGenerationMethods":["generateContent","countTokens"]},
      {"name":"models/gemini-embedding-001","displayName":"Gemini Embedding 001","inputTokenLimit":2048,"supportedGenerationMethods":["embedContent","countTextTokens"]}]})";
  REQUIRE(catalog::parse_model_list(google, "google_models", native, rows, error, true));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].model_id == "google/gemini-embedding-001");
  CHECK(rows[0].upstream_model_id == "gemini-embedding-001");
  CHECK(rows[0].context_length == 2048);
  const std::string openai_style = R"({"object":"list","data":[{"id":"models/gemini-2.5-flash"},{"id":"models/gemini-embedding-001"}]})";
  catalog::ReferenceMap none;
  catalog::FreshList list = catalog::read_fresh_list(google, "openai_list", openai_style, {&none}, native);
  REQUIRE(list.ok);
  REQUIRE(list.rows.size() == 2);
  CHECK(row(list.rows, "google/gemini-2.5-flash")->type == catalog::ModelType::chat);
  CHECK(row(list.rows, "google/gemini-embedding-001")->type == catalog::ModelType::embedding);
  // Without its embeddings list, or with one that names none, the sync does not go on.
  CHECK_FALSE(catalog::read_fresh_list(google, "openai_list", openai_style, {&none}, "").ok);
  CHECK_FALSE(catalog::read_fresh_list(google, "openai_list", openai_style, {&none}, R"({"models":[]})").ok);
  // An empty main list stays empty, for the shrink guard to refuse.
  catalog::FreshList empty = catalog::read_fresh_list(google, "openai_list", R"({"data":[]})", {&none}, native);
  CHECK(empty.ok);
  CHECK(empty.rows.empty());

  // A chat-only provider has no separate list to read.
  CHECK_FALSE(catalog::parse_model_list(builtin("zenmux"), "zenmux", R"({"data":[]})", rows, error, true));
}

TEST_CASE("provider definitions: the embeddings block is checked", "[embeddings][providers]") {
  nlohmann::json base = nlohmann::json::parse(catalog::provider_to_json(builtin("openai")));
  auto rejection = [&](nlohmann::json embeddings) {
    nlohmann::json def = base;
    def["embeddings"] = std::move(embeddings);
    catalog::ProviderDef out;
    std::string error;
    return catalog::parse_provider(def.dump(), out, error) ? std::string("accepted") : error;
  };
  CHECK(rejection({{"path", "/embeddings"}, {"mark", {{"id_contains", "embedding"}}}}) == "accepted");
  CHECK(rejection(nullptr) == "accepted");
  CHECK(rejection({{"mark", {{"id_contains", "embedding"}}}}) == "embeddings.path: missing");
  CHECK(rejection({{"path", "/embeddings"}}) == "embeddings.mark: missing");
  CHECK(rejection({{"path", "/embeddings"}, {"mark", nlohmann::json::object()}}) ==
        "embeddings.mark: needs exactly one of all: true, id_contains or field");
  CHECK(rejection({{"path", "/embeddings"}, {"mark", {{"all", true}}}}) ==
        "embeddings.mark.all: needs a separate list (a main list also holds chat models)");
  CHECK(rejection({{"path", "/embeddings"}, {"mark", {{"field", "type"}}}}) ==
        "embeddings.mark.equals: missing (the values that mark an embedding model)");
  CHECK(rejection({{"path", "/embeddings"},
                   {"list", {{"path", "/m"}, {"parser", "openrouter"}, {"auth", true}, {"auth_header", "Cookie"}}},
                   {"mark", {{"all", true}}}}) == "embeddings.list.auth_header: must be a header name ([A-Za-z0-9-]+), not Cookie");
  CHECK(rejection({{"path", "/embeddings"}, {"list", {{"path", "/m"}, {"parser", "csv"}, {"auth", true}}}, {"mark", {{"all", true}}}})
            .rfind("embeddings.list.parser: \"csv\" is not one of", 0) == 0);
  // A written definition reads back the same.
  const auto& google = builtin("google-ai-studio");
  catalog::ProviderDef again;
  std::string error;
  REQUIRE(catalog::parse_provider(catalog::provider_to_json(google), again, error));
  REQUIRE(again.embeddings);
  REQUIRE(again.embeddings->list);
  CHECK(again.embeddings->list->from_origin);
  CHECK(again.embeddings->list->auth_header == std::optional<std::string>("x-goog-api-key"));
  CHECK(again.embeddings->mark.equals == std::vector<std::string>{"embedContent"});
}
