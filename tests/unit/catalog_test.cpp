#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/builtin_providers.h"
#include "catalog/credits.h"
#include "catalog/decimal.h"
#include "catalog/merge.h"
#include "catalog/model_list.h"
#include "catalog/provider.h"
#include "fixtures.h"

using namespace keyaos::catalog;

namespace {

const ProviderDef& builtin(const std::string& id) {
  static std::vector<ProviderDef> providers = [] {
    std::vector<ProviderDef> loaded;
    std::string error;
    if (!load_builtin_providers(loaded, error)) FAIL(error);
    return loaded;
  }();
  for (const ProviderDef& def : providers) {
    if (def.id == id) return def;
  }
  FAIL("no builtin provider " << id);
  return providers.front();
}

// A definition with no snapshot, so only the id rules apply.
ProviderDef bare(const std::string& id, bool lowercase = false, const char* prefix = nullptr) {
  ProviderDef def;
  def.id = id;
  def.model_id.lowercase = lowercase;
  if (prefix) def.model_id.canonical_prefix = prefix;
  return def;
}

std::vector<CatalogEntry> parse_ok(const ProviderDef& def, const std::string& parser, const std::string& body) {
  std::vector<CatalogEntry> rows;
  std::string error;
  bool ok = parse_model_list(def, parser, body, rows, error);
  INFO(error);
  REQUIRE(ok);
  return rows;
}

const CatalogEntry* row_of(const std::vector<CatalogEntry>& rows, const std::string& model_id) {
  for (const CatalogEntry& row : rows) {
    if (row.model_id == model_id) return &row;
  }
  return nullptr;
}

using Strings = std::vector<std::string>;

CatalogEntry row(const std::string& id, std::optional<double> in = {}, std::optional<double> out = {}) {
  CatalogEntry r;
  r.provider_id = "test";
  r.model_id = id;
  r.upstream_model_id = id;
  r.input_price_per_m = in;
  r.output_price_per_m = out;
  return r;
}

}  // namespace

TEST_CASE("decimal prices scale without binary rounding", "[catalog]") {
  double value = -1;
  REQUIRE(parse_decimal_scaled("0.0000003", 6, value));
  CHECK(value == 0.3);
  REQUIRE(parse_decimal_scaled("0.0000001", 6, value));
  CHECK(value == 0.1);
  CHECK(std::strtod("0.0000001", nullptr) * 1e6 != 0.1);  // why the digits are shifted as text
  REQUIRE(parse_decimal_scaled("0.00000375", 6, value));
  CHECK(value == 3.75);
  REQUIRE(parse_decimal_scaled("0.000015", 6, value));
  CHECK(value == 15.0);
  REQUIRE(parse_decimal_scaled("1.5e-7", 6, value));
  CHECK(value == 0.15);
  REQUIRE(parse_decimal_scaled("0", 6, value));
  CHECK(value == 0.0);
  REQUIRE(parse_decimal_scaled("-1", 6, value));
  CHECK(value == -1000000.0);
  REQUIRE(parse_decimal_scaled("110.00", 0, value));
  CHECK(value == 110.0);
  for (const char* bad : {"", "-", "abc", "1.", ".5", "1e", "0x10", "1.2.3", "1 ", "NaN", "Infinity"}) {
    INFO(bad);
    CHECK_FALSE(parse_decimal_scaled(bad, 6, value));
  }
}

TEST_CASE("decimal prices: the exact fast path agrees with strtod bit for bit", "[catalog]") {
  // Random decimals of 1 to 20 digits, with and without a point and an
  // exponent, scaled as prices are: both sides of the fast path's limits.
  // The reference is the same number with its exponent shifted in text,
  // rounded once by the C library's strtod.
  std::mt19937_64 random(20261203);
  std::string first_mismatch;
  int mismatches = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string mantissa = random() % 4 == 0 ? "-" : "";
    const int integer_digits = 1 + static_cast<int>(random() % 8), fraction_digits = static_cast<int>(random() % 13);
    for (int d = 0; d < integer_digits; ++d) mantissa.push_back(static_cast<char>('0' + random() % 10));
    if (fraction_digits) {
      mantissa.push_back('.');
      for (int d = 0; d < fraction_digits; ++d) mantissa.push_back(static_cast<char>('0' + random() % 10));
    }
    const int written_exponent = random() % 3 == 0 ? static_cast<int>(random() % 41) - 20 : 0;
    const std::string text = mantissa + (written_exponent ? "e" + std::to_string(written_exponent) : "");
    const int scale = static_cast<int>(random() % 13) - 3;
    double value = 0;
    REQUIRE(parse_decimal_scaled(text, scale, value));
    const double reference = std::strtod((mantissa + "e" + std::to_string(written_exponent + scale)).c_str(), nullptr);
    if (value != reference) {  // -0 reads as 0: both are no price
      if (first_mismatch.empty()) first_mismatch = text + " scale " + std::to_string(scale);
      ++mismatches;
    }
  }
  INFO(first_mismatch);
  CHECK(mismatches == 0);
}

TEST_CASE("openrouter list: per-token decimal strings become exact USD per 1M", "[catalog]") {
  auto rows = parse_ok(builtin("openrouter"), "openrouter", read_fixture("openrouter_models_entry.json"));
  // openrouter/auto prices at "-1" (decided per request) and is left out.
  REQUIRE(rows.size() == 1);
  const CatalogEntry& sonnet = rows[0];
  CHECK(sonnet.provider_id == "openrouter");
  CHECK(sonnet.model_id == "anthropic/claude-sonnet-4.5");
  CHECK(sonnet.upstream_model_id == "anthropic/claude-sonnet-4.5");
  CHECK(sonnet.name == "Anthropic: Claude Sonnet 4.5");
  CHECK(sonnet.input_price_per_m == 3.0);
  CHECK(sonnet.output_price_per_m == 15.0);
  CHECK(sonnet.cache_read_price_per_m == 0.3);
  CHECK(sonnet.cache_write_price_per_m == 3.75);
  CHECK(sonnet.context_length == 1000000);
  CHECK(sonnet.input_modalities == Strings{"text", "image", "file"});
  CHECK(sonnet.output_modalities == Strings{"text"});
  CHECK(sonnet.created_s == 1759161676);
}

TEST_CASE("openrouter list: escaped keys name the same fields as plain ones", "[catalog]") {
  const std::string plain =
      R"({"data":[{"id":"a/b","name":"A B","context_length":8192,"architecture":{"input_modalities":["text"]},)"
      R"("pricing":{"prompt":"0.000001","completion":"0.000002"}}]})";
  const std::string escaped =
      R"({"d\u0061ta":[{"\u0069d":"a/b","n\u0061me":"A B","context\u005flength":8192,"architecture":{"input\u005Fmodalities":["text"]},)"
      R"("pric\u0069ng":{"pr\u006fmpt":"0.000001","completion":"0.000002"}}]})";
  for (const std::string* body : {&plain, &escaped}) {
    INFO(*body);
    auto rows = parse_ok(builtin("openrouter"), "openrouter", *body);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].model_id == "a/b");
    CHECK(rows[0].name == "A B");
    CHECK(rows[0].context_length == 8192);
    CHECK(rows[0].input_modalities == Strings{"text"});
    CHECK(rows[0].input_price_per_m == 1.0);
    CHECK(rows[0].output_price_per_m == 2.0);
  }
  std::vector<CatalogEntry> rows;
  std::string error;
  CHECK_FALSE(parse_model_list(builtin("openrouter"), "openrouter", R"({"data":[{"\x":"a/b"}]})", rows, error));
}

TEST_CASE("openrouter list: a synthetic 1 MB list parses completely", "[catalog]") {
  nlohmann::json fixture = nlohmann::json::parse(read_fixture("openrouter_models_entry.json"), nullptr, false);
  REQUIRE_FALSE(fixture.is_discarded());
  const nlohmann::json& model = fixture["data"][0];
  std::string body = "{\"data\":[";
  size_t count = 0;
  while (body.size() < 1024 * 1024) {
    nlohmann::json copy = model;
    copy["id"] = "vendor" + std::to_string(count % 50) + "/model-" + std::to_string(count);
    copy["pricing"]["prompt"] = "0.000000" + std::to_string(count % 9 + 1);       // (k/10) per 1M
    copy["pricing"]["completion"] = "0.00000" + std::to_string(count % 9 + 1);    // k per 1M
    copy["context_length"] = 1000 + count;
    if (count > 0) body += ',';
    body += copy.dump();
    ++count;
  }
  body += "],\"object\":\"list\"}";
  REQUIRE(body.size() >= 1024 * 1024);

  auto rows = parse_ok(builtin("openrouter"), "openrouter", body);
  REQUIRE(rows.size() == count);
  for (size_t i = 0; i < count; i += 97) {
    INFO(i);
    CHECK(rows[i].model_id == "vendor" + std::to_string(i % 50) + "/model-" + std::to_string(i));
    CHECK(rows[i].input_price_per_m == static_cast<double>(i % 9 + 1) / 10.0);
    CHECK(rows[i].output_price_per_m == static_cast<double>(i % 9 + 1));
    CHECK(rows[i].cache_read_price_per_m == 0.3);
    CHECK(rows[i].context_length == static_cast<int64_t>(1000 + i));
  }
  CHECK(rows.back().model_id == "vendor" + std::to_string((count - 1) % 50) + "/model-" + std::to_string(count - 1));
}

TEST_CASE("openrouter list: malformed bodies fail whole, leaving nothing", "[catalog]") {
  const ProviderDef& def = builtin("openrouter");
  std::string fixture = read_fixture("openrouter_models_entry.json");
  std::vector<CatalogEntry> rows;
  std::string error;

  CHECK_FALSE(parse_model_list(def, "openrouter", fixture.substr(0, fixture.size() / 2), rows, error));
  CHECK(rows.empty());
  CHECK(error.rfind("model list is not valid JSON", 0) == 0);

  CHECK_FALSE(parse_model_list(def, "openrouter", "{\"models\":[]}", rows, error));
  CHECK(error == "model list has no \"data\" array");

  CHECK_FALSE(parse_model_list(def, "openrouter", "[1,2]", rows, error));
  CHECK(error == "model list must be a JSON object");

  CHECK_FALSE(parse_model_list(def, "openrouter", "{\"data\":{}}", rows, error));
  CHECK(error == "model list: \"data\" must be an array");

  CHECK_FALSE(parse_model_list(def, "xml", fixture, rows, error));
  CHECK(error == "unknown model list parser \"xml\"");

  // An entry with odd field types is kept with those fields unknown.
  rows = parse_ok(def, "openrouter",
                  R"({"data":[{"id":"a/b","context_length":"big","pricing":{"prompt":"0.000001","completion":"0.000002","input_cache_read":{}}}]})");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].context_length == 0);
  CHECK(rows[0].input_price_per_m == 1.0);
  CHECK(rows[0].output_price_per_m == 2.0);
  CHECK_FALSE(rows[0].cache_read_price_per_m.has_value());
}

TEST_CASE("zenmux list: base tier of tiered prices, already per 1M", "[catalog]") {
  auto rows = parse_ok(builtin("zenmux"), "zenmux", read_fixture("zenmux_models_entry.json"));
  REQUIRE(rows.size() == 2);

  const CatalogEntry& gpt = rows[0];
  CHECK(gpt.provider_id == "zenmux");
  CHECK(gpt.model_id == "openai/gpt-5.2");
  CHECK(gpt.upstream_model_id == "openai/gpt-5.2");
  CHECK(gpt.name == "OpenAI: GPT-5.2");
  CHECK(gpt.input_price_per_m == 1.75);
  CHECK(gpt.output_price_per_m == 14.0);
  CHECK(gpt.cache_read_price_per_m == 0.175);
  CHECK_FALSE(gpt.cache_write_price_per_m.has_value());
  CHECK(gpt.context_length == 400000);
  CHECK(gpt.input_modalities == Strings{"image", "text", "file"});
  CHECK(gpt.created_s == 1765438613);

  const CatalogEntry& sonnet = rows[1];
  CHECK(sonnet.model_id == "anthropic/claude-sonnet-4.5");
  CHECK(sonnet.input_price_per_m == 3.0);    // not the >=200k tier's 6
  CHECK(sonnet.output_price_per_m == 15.0);  // not 22.5
  CHECK(sonnet.context_length == 200000);
  CHECK(sonnet.input_modalities.empty());
}

TEST_CASE("zenmux list: tier choice does not depend on order", "[catalog]") {
  const char* body = R"({"data":[
    {"id":"a/later-base","pricings":{
      "prompt":[{"value":6,"unit":"perMTokens","currency":"USD","conditions":{"prompt_tokens":{"unit":"kTokens","gte":200}}},
                {"value":3,"unit":"perMTokens","currency":"USD","conditions":{"prompt_tokens":{"unit":"kTokens","gte":0,"lt":200}}}],
      "completion":[{"value":0.01,"unit":"perCount","currency":"USD"},{"value":12.5,"unit":"perMTokens","currency":"USD"}],
      "input_cache_write_5_min":[{"value":3.75,"unit":"perMTokens","currency":"USD"}]}},
    {"id":"a/unconditional-wins","pricings":{
      "prompt":[{"value":2,"unit":"perMTokens","currency":"USD","conditions":{"prompt_tokens":{"gte":0,"lt":128}}},
                {"value":1.5,"unit":"perMTokens","currency":"USD"}]}},
    {"id":"a/only-per-request","pricings":{"prompt":[{"value":0.02,"unit":"perCount","currency":"USD"}]}}
  ]})";
  auto rows = parse_ok(bare("zenmux"), "zenmux", body);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].input_price_per_m == 3.0);
  CHECK(rows[0].output_price_per_m == 12.5);
  CHECK(rows[0].cache_write_price_per_m == 3.75);
  CHECK(rows[1].input_price_per_m == 1.5);
  CHECK_FALSE(rows[2].input_price_per_m.has_value());
}

TEST_CASE("deepinfra list: lower-case canonical ids, original-case upstream ids", "[catalog]") {
  auto rows = parse_ok(bare("deepinfra", /*lowercase=*/true), "deepinfra", read_fixture("deepinfra_models_entry.json"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].model_id == "qwen/qwen3-235b-a22b-instruct-2507");
  CHECK(rows[0].upstream_model_id == "Qwen/Qwen3-235B-A22B-Instruct-2507");
  CHECK(rows[0].input_price_per_m == 0.13);
  CHECK(rows[0].output_price_per_m == 0.6);
  CHECK(rows[0].context_length == 262144);
  CHECK(rows[0].name.empty());
  // metadata null: prices unknown, left for the reference price.
  CHECK(rows[1].model_id == "baai/bge-m3");
  CHECK(rows[1].upstream_model_id == "BAAI/bge-m3");
  CHECK_FALSE(rows[1].input_price_per_m.has_value());
  CHECK_FALSE(rows[1].output_price_per_m.has_value());
  CHECK(rows[1].context_length == 0);
}

TEST_CASE("deepinfra list: the shipped snapshot maps native ids to OpenRouter's", "[catalog]") {
  auto rows = parse_ok(builtin("deepinfra"), "deepinfra", read_fixture("deepinfra_models_entry.json"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].model_id == "qwen/qwen3-235b-a22b-2507");
  CHECK(rows[0].upstream_model_id == "Qwen/Qwen3-235B-A22B-Instruct-2507");
  CHECK(rows[1].model_id == "baai/bge-m3");
}

TEST_CASE("openai_list: ids only, canonical_prefix applied", "[catalog]") {
  auto deepseek = parse_ok(builtin("deepseek"), "openai_list", read_fixture("deepseek_models_list.json"));
  REQUIRE(deepseek.size() == 2);
  CHECK(deepseek[0].model_id == "deepseek/deepseek-chat");
  CHECK(deepseek[0].upstream_model_id == "deepseek-chat");
  CHECK(deepseek[1].model_id == "deepseek/deepseek-reasoner");
  CHECK(deepseek[1].upstream_model_id == "deepseek-reasoner");
  CHECK_FALSE(deepseek[0].input_price_per_m.has_value());

  auto openai = parse_ok(builtin("openai"), "openai_list", read_fixture("openai_models_list.json"));
  REQUIRE(openai.size() == 3);
  CHECK(openai[0].model_id == "openai/gpt-4o-2024-08-06");
  CHECK(openai[0].upstream_model_id == "gpt-4o-2024-08-06");
  CHECK(openai[0].created_s == 1722814719);
  CHECK(openai[1].model_id == "openai/gpt-4o-mini");
  CHECK(openai[2].model_id == "openai/o3-mini");
  CHECK(openai[2].provider_id == "openai");

  // Without a prefix a bare id is not canonical, so it is left out.
  auto unprefixed = parse_ok(bare("plain"), "openai_list", read_fixture("openai_models_list.json"));
  CHECK(unprefixed.empty());
}

TEST_CASE("openai_list: Google AI Studio's models/ prefix is stripped", "[catalog]") {
  auto rows = parse_ok(builtin("google-ai-studio"), "openai_list", read_fixture("google_ai_studio_openai_models_list.json"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].model_id == "google/gemini-2.5-flash");
  CHECK(rows[0].upstream_model_id == "gemini-2.5-flash");
  CHECK(rows[1].model_id == "google/gemini-2.5-pro");
  CHECK(rows[1].upstream_model_id == "gemini-2.5-pro");
  CHECK(rows[2].model_id == "google/gemini-embedding-001");
  CHECK(rows[2].upstream_model_id == "gemini-embedding-001");

  // The snapshot names the dated OpenRouter id of the alias.
  auto aliased = parse_ok(builtin("google-ai-studio"), "openai_list",
                          R"({"object":"list","data":[{"id":"models/gemini-2.0-flash"}]})");
  REQUIRE(aliased.size() == 1);
  CHECK(aliased[0].model_id == "google/gemini-2.0-flash-001");
  CHECK(aliased[0].upstream_model_id == "gemini-2.0-flash");
}

TEST_CASE("antigravity list: fetchAvailableModels map", "[catalog]") {
  auto rows = parse_ok(builtin("antigravity"), "antigravity",
                       read_fixture("antigravity_fetchAvailableModels_response_shape.json"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].model_id == "google/gemini-3-flash-preview");
  CHECK(rows[0].upstream_model_id == "gemini-3-flash");
  CHECK(rows[0].name == "Gemini 3 Flash");
  CHECK(rows[0].context_length == 1048576);
  CHECK(rows[1].model_id == "anthropic/claude-sonnet-4.6");
  CHECK(rows[1].upstream_model_id == "claude-sonnet-4-6");
  CHECK(rows[1].context_length == 200000);
  CHECK(rows[2].model_id == "openai/gpt-oss-120b");
  CHECK(rows[2].upstream_model_id == "gpt-oss-120b-medium");
  CHECK(rows[2].name == "GPT-OSS 120B (Medium)");
  CHECK(rows[2].context_length == 131072);
  CHECK_FALSE(rows[0].input_price_per_m.has_value());

  // Unmapped ids get their vendor from the family; unknown families are skipped.
  auto unmapped = parse_ok(bare("antigravity"), "antigravity",
                           R"({"models":{"Gemini-9-Ultra":{"maxTokens":5},"chat_20706":{},"claude-x-1":{},"gpt-oss-9b":{}}})");
  REQUIRE(unmapped.size() == 3);
  CHECK(unmapped[0].model_id == "google/gemini-9-ultra");
  CHECK(unmapped[0].upstream_model_id == "Gemini-9-Ultra");
  CHECK(unmapped[0].context_length == 5);
  CHECK(unmapped[1].model_id == "anthropic/claude-x-1");
  CHECK(unmapped[2].model_id == "openai/gpt-oss-9b");
}

TEST_CASE("parsed lists drop duplicate canonical ids, first wins", "[catalog]") {
  auto rows = parse_ok(bare("x", /*lowercase=*/true), "deepinfra",
                       R"({"data":[{"id":"A/B","metadata":{"pricing":{"input_tokens":1,"output_tokens":2}}},
                                   {"id":"a/b","metadata":{"pricing":{"input_tokens":9,"output_tokens":9}}}]})");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].upstream_model_id == "A/B");
  CHECK(rows[0].input_price_per_m == 1.0);
}

TEST_CASE("catalog_from_definition turns the snapshot into rows", "[catalog]") {
  auto rows = catalog_from_definition(builtin("qwen-code"));
  const CatalogEntry* max = row_of(rows, "qwen/qwen3-max");
  REQUIRE(max != nullptr);
  CHECK(max->provider_id == "qwen-code");
  CHECK(max->upstream_model_id == "qwen3-max-2026-01-23");
  const CatalogEntry* plus = row_of(rows, "qwen/qwen3-coder-plus");
  REQUIRE(plus != nullptr);
  CHECK(plus->upstream_model_id == "qwen3-coder-plus");
  CHECK_FALSE(plus->input_price_per_m.has_value());
}

TEST_CASE("sync shrink guard", "[catalog]") {
  const std::vector<std::string> previous = {"a/1", "a/2", "a/3", "a/4"};

  SECTION("failed fetch or parse: refused, nothing changes") {
    SyncDecision d = decide_sync(previous, false, {row("a/1")});
    CHECK(d.refused);
    CHECK(d.reason == "the model list could not be fetched or parsed; nothing changes");
    CHECK(d.upsert.empty());
    CHECK(d.deactivate.empty());
  }
  SECTION("empty list: refused") {
    SyncDecision d = decide_sync(previous, true, {});
    CHECK(d.refused);
    CHECK(d.reason == "the model list is empty; nothing changes");
    CHECK(d.upsert.empty());
    CHECK(d.deactivate.empty());
  }
  SECTION("more than half would disappear: deactivation refused, rows still upserted") {
    SyncDecision d = decide_sync(previous, true, {row("a/1"), row("b/new")});
    CHECK(d.refused);
    CHECK(d.reason == "3 of 4 active models would disappear (more than half); none is deactivated");
    REQUIRE(d.upsert.size() == 2);
    CHECK(d.upsert[1].model_id == "b/new");
    CHECK(d.deactivate.empty());
  }
  SECTION("exactly half is normal churn") {
    SyncDecision d = decide_sync(previous, true, {row("a/1"), row("a/2")});
    CHECK_FALSE(d.refused);
    CHECK(d.deactivate == Strings{"a/3", "a/4"});
  }
  SECTION("normal churn deactivates the missing and upserts the rest") {
    SyncDecision d = decide_sync(previous, true, {row("a/1"), row("a/2"), row("a/3"), row("a/5"), row("a/1")});
    CHECK_FALSE(d.refused);
    CHECK(d.reason.empty());
    REQUIRE(d.upsert.size() == 4);  // the repeated a/1 is dropped
    CHECK(d.upsert[3].model_id == "a/5");
    CHECK(d.deactivate == Strings{"a/4"});
  }
  SECTION("a first sync has nothing to deactivate") {
    SyncDecision d = decide_sync({}, true, {row("a/1")});
    CHECK_FALSE(d.refused);
    CHECK(d.upsert.size() == 1);
    CHECK(d.deactivate.empty());
  }
}

TEST_CASE("reference prices fill what a provider does not price", "[catalog]") {
  ReferenceMap openrouter = make_reference_map(catalog_from_definition(builtin("openrouter")));

  std::vector<CatalogEntry> rows = {row("openai/gpt-4o-mini"), row("openai/gpt-4o", 2.0, 9.0),
                                    row("openai/gpt-4.1", 1.9), row("nobody/knows")};
  FillReport report = fill_from_reference(rows, {&openrouter});
  CHECK(report.priced_from_reference == 2);
  CHECK(report.unpriced == Strings{"nobody/knows"});

  CHECK(rows[0].input_price_per_m == 0.15);
  CHECK(rows[0].output_price_per_m == 0.6);
  CHECK(rows[0].cache_read_price_per_m == 0.075);
  CHECK(rows[0].name == "OpenAI: GPT-4o-mini");
  CHECK(rows[0].context_length == 128000);
  CHECK(rows[0].input_modalities == Strings{"text", "image", "file"});

  CHECK(rows[1].input_price_per_m == 2.0);  // own prices are never replaced
  CHECK(rows[1].output_price_per_m == 9.0);
  CHECK_FALSE(rows[1].cache_read_price_per_m.has_value());

  CHECK(rows[2].input_price_per_m == 1.9);
  CHECK(rows[2].output_price_per_m == 8.0);
  CHECK_FALSE(rows[2].cache_read_price_per_m.has_value());

  CHECK_FALSE(rows[3].input_price_per_m.has_value());
}

TEST_CASE("a synced id-only list takes the provider's own list price before OpenRouter's", "[catalog]") {
  const ProviderDef& deepseek = builtin("deepseek");
  ReferenceMap own = make_reference_map(catalog_from_definition(deepseek));
  ReferenceMap openrouter = make_reference_map(catalog_from_definition(builtin("openrouter")));
  auto rows = parse_ok(deepseek, "openai_list", read_fixture("deepseek_models_list.json"));
  FillReport report = fill_from_reference(rows, {&own, &openrouter});
  CHECK(report.unpriced.empty());
  CHECK(rows[0].input_price_per_m == 0.28);   // DeepSeek's own, not OpenRouter's 0.38
  CHECK(rows[0].output_price_per_m == 0.42);
  CHECK(rows[0].cache_read_price_per_m == 0.028);
  CHECK(rows[0].name == "DeepSeek V3.2 (non-thinking)");
}

TEST_CASE("credits: openrouter", "[catalog]") {
  CreditBalance balance;
  std::string error;
  REQUIRE(parse_credits("openrouter", read_fixture("openrouter_credits.json"), 7.0, balance, error));
  CHECK(balance.remaining_usd == 7.8766);
  CHECK(balance.used_usd == 42.1234);

  REQUIRE(parse_credits("openrouter", R"({"data":{"total_credits":10,"total_usage":12.5}})", 7.0, balance, error));
  CHECK(balance.remaining_usd == 0.0);  // overdrawn reads as empty, never negative

  CHECK_FALSE(parse_credits("openrouter", R"({"data":{"total_credits":10}})", 7.0, balance, error));
  CHECK(error == "credits: \"data\" needs numeric total_credits and total_usage");
  CHECK_FALSE(parse_credits("openrouter", "not json", 7.0, balance, error));
  CHECK_FALSE(parse_credits("stripe", "{}", 7.0, balance, error));
  CHECK(error == "unknown credits parser \"stripe\"");
}

TEST_CASE("credits: deepseek balance in CNY or USD", "[catalog]") {
  CreditBalance balance;
  std::string error;
  REQUIRE(parse_credits("deepseek", read_fixture("deepseek_user_balance.json"), 7.0, balance, error));
  CHECK(balance.remaining_usd == 15.714285714);  // 110 CNY / 7, to the nano-dollar
  CHECK_FALSE(balance.used_usd.has_value());

  const char* both = R"({"is_available":true,"balance_infos":[
      {"currency":"CNY","total_balance":"70.00"},{"currency":"USD","total_balance":"12.34"}]})";
  REQUIRE(parse_credits("deepseek", both, 7.0, balance, error));
  CHECK(balance.remaining_usd == 12.34);

  CHECK_FALSE(parse_credits("deepseek", read_fixture("deepseek_user_balance.json"), 0.0, balance, error));
  CHECK(error == "balance: a positive CNY per USD rate is needed to convert the CNY balance");
  CHECK_FALSE(parse_credits("deepseek", R"({"balance_infos":[]})", 7.0, balance, error));
  CHECK(error == "balance: no USD or CNY total_balance");
  CHECK_FALSE(parse_credits("deepseek", R"({"is_available":true})", 7.0, balance, error));
  CHECK(error == "balance: missing \"balance_infos\" array");
}
