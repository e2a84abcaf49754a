#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/builtin_providers.h"
#include "provider_fixtures.h"
#include "catalog/credits.h"
#include "catalog/merge.h"
#include "catalog/model_list.h"
#include "catalog/provider.h"
#include "catalog/provider_json.h"
#include "catalog/providers_data.h"

using namespace keyaos::catalog;
using keyaos::testing::builtin_provider;
using keyaos::testing::builtin_providers;

namespace {

const std::filesystem::path kProvidersDir = std::filesystem::path(KEYAOS_FIXTURES) / ".." / ".." / "providers";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> definition_files() {
  std::vector<std::string> names;
  for (const auto& item : std::filesystem::directory_iterator(kProvidersDir)) {
    std::string name = item.path().filename().string();
    if (name.size() > 5 && name.substr(name.size() - 5) == ".json" && name != "schema.json") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Absent and null mean the same in a definition.
nlohmann::json without_nulls(const nlohmann::json& value) {
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!it.value().is_null()) out[it.key()] = without_nulls(it.value());
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(without_nulls(item));
    return out;
  }
  return value;
}

// A small valid definition to break one field at a time.
nlohmann::json minimal_definition() {
  nlohmann::json def = nlohmann::json::parse(R"({
    "id": "example",
    "name": "Example",
    "protocol": "openai",
    "base_url": "https://api.example.com/v1",
    "auth": {"kind": "bearer"},
    "extra_headers": {},
    "subscription": false,
    "currency": "USD",
    "cost_source": "tokens",
    "secret_format": {"prefixes": ["ex-"], "alphabet": "hex", "min_length": 32, "max_length": 32},
    "credential_guide": {"text": "From the dashboard.", "url": "https://example.com/keys", "placeholder": "ex-...",
                         "file_path": null, "command": null},
    "model_id": {"strip_vendor_prefix": true, "lowercase": false, "canonical_prefix": "example/"},
    "models": {"sync": {"path": "/models", "parser": "openai_list", "auth": true},
               "entries": [{"id": "example/one", "name": "One", "input_price_per_m": 1, "output_price_per_m": 2,
                            "input_modalities": ["text"], "output_modalities": ["text"]}]},
    "credits": null,
    "validation": {"method": "GET", "path": "/models"}
  })", nullptr, false);
  REQUIRE_FALSE(def.is_discarded());
  return def;
}

std::string rejection(const nlohmann::json& def) {
  ProviderDef out;
  std::string error;
  bool ok = parse_provider(def.dump(), out, error);
  CHECK_FALSE(ok);
  return error;
}

std::string rejection(const std::string& text) {
  ProviderDef out;
  std::string error;
  bool ok = parse_provider(text, out, error);
  CHECK_FALSE(ok);
  return error;
}

// The object schemas that `schema` allows, following "$ref": "#/$defs/<name>"
// and the alternatives of oneOf.
std::vector<const nlohmann::json*> object_schemas(const nlohmann::json& schema, const nlohmann::json& root) {
  std::vector<const nlohmann::json*> out;
  const nlohmann::json* s = &schema;
  if (s->contains("$ref")) {
    std::string ref = (*s)["$ref"].get<std::string>();
    s = &root["$defs"][ref.substr(std::string("#/$defs/").size())];
  }
  if (s->contains("properties")) out.push_back(s);
  if (s->contains("oneOf")) {
    for (const auto& alternative : (*s)["oneOf"]) {
      for (const nlohmann::json* found : object_schemas(alternative, root)) out.push_back(found);
    }
  }
  return out;
}

bool has_description(const nlohmann::json& schema, const nlohmann::json& root) {
  if (schema.contains("description")) return true;
  if (!schema.contains("$ref")) return false;
  std::string ref = schema["$ref"].get<std::string>();
  return root["$defs"][ref.substr(std::string("#/$defs/").size())].contains("description");
}

// Every key of `value` is a documented property of `schema`, recursively.
void check_documented(const nlohmann::json& value, const nlohmann::json& schema, const nlohmann::json& root,
                      const std::string& path) {
  if (value.is_array()) {
    const nlohmann::json* s = &schema;
    if (s->contains("$ref")) {
      std::string ref = (*s)["$ref"].get<std::string>();
      s = &root["$defs"][ref.substr(std::string("#/$defs/").size())];
    }
    if (!s->contains("items")) return;
    for (size_t i = 0; i < value.size(); ++i) check_documented(value[i], (*s)["items"], root, path + "[]");
    return;
  }
  if (!value.is_object()) return;
  std::vector<const nlohmann::json*> candidates = object_schemas(schema, root);
  if (candidates.empty()) return;  // a free-form map (extra_headers)
  for (auto it = value.begin(); it != value.end(); ++it) {
    const nlohmann::json* property = nullptr;
    for (const nlohmann::json* candidate : candidates) {
      if ((*candidate)["properties"].contains(it.key())) property = &(*candidate)["properties"][it.key()];
    }
    INFO(path + it.key());
    REQUIRE(property != nullptr);
    CHECK(has_description(*property, root));
    check_documented(it.value(), *property, root, path + it.key() + ".");
  }
}

}  // namespace

TEST_CASE("providers/schema.json documents every field the definitions use", "[providers]") {
  nlohmann::json schema = nlohmann::json::parse(read_file(kProvidersDir / "schema.json"), nullptr, false);
  REQUIRE_FALSE(schema.is_discarded());
  CHECK(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  for (const std::string& file : definition_files()) {
    nlohmann::json def = nlohmann::json::parse(read_file(kProvidersDir / file), nullptr, false);
    REQUIRE_FALSE(def.is_discarded());
    check_documented(def, schema, schema, file + ": ");
  }
  // And every field the C++ side writes.
  nlohmann::json written = nlohmann::json::parse(provider_to_json(builtin_provider("antigravity")), nullptr, false);
  check_documented(written, schema, schema, "provider_to_json: ");
}

TEST_CASE("providers/schema.json offers exactly the parsers the core registers", "[providers]") {
  nlohmann::json schema = nlohmann::json::parse(read_file(kProvidersDir / "schema.json"), nullptr, false);
  REQUIRE_FALSE(schema.is_discarded());
  auto names = [](std::vector<std::string_view> registered) { return std::vector<std::string>(registered.begin(), registered.end()); };
  const std::vector<std::string> lists = names(model_list_parser_names());
  CHECK(lists == std::vector<std::string>{"openrouter", "zenmux", "deepinfra", "openai_list", "antigravity", "google_models"});
  CHECK(schema["$defs"]["sync"]["properties"]["parser"]["enum"].get<std::vector<std::string>>() == lists);
  CHECK(schema["$defs"]["embeddings_list"]["properties"]["parser"]["enum"].get<std::vector<std::string>>() == lists);
  CHECK(schema["$defs"]["credits"]["properties"]["parser"]["enum"].get<std::vector<std::string>>() == names(credits_parser_names()));
}

TEST_CASE("every provider file is embedded, byte for byte, and validates", "[providers]") {
  std::vector<std::string> files = definition_files();
  REQUIRE(files.size() == kProviderDefinitionCount);
  REQUIRE(builtin_providers().size() == kProviderDefinitionCount);
  for (size_t i = 0; i < files.size(); ++i) {
    INFO(files[i]);
    std::string on_disk = read_file(kProvidersDir / files[i]);
    CHECK(on_disk == kProviderDefinitions[i]);

    ProviderDef from_disk;
    std::string error;
    CHECK(parse_provider(on_disk, from_disk, error));
    CHECK(error.empty());
    CHECK(from_disk.id + ".json" == files[i]);
    CHECK(builtin_providers()[i].id == from_disk.id);

    // The parsed definition carries every field of the file.
    nlohmann::json file_json = nlohmann::json::parse(on_disk, nullptr, false);
    nlohmann::json round_trip = nlohmann::json::parse(provider_to_json(from_disk), nullptr, false);
    REQUIRE_FALSE(file_json.is_discarded());
    REQUIRE_FALSE(round_trip.is_discarded());
    CHECK(without_nulls(round_trip) == without_nulls(file_json));
  }
}

TEST_CASE("the seed providers", "[providers]") {
  std::vector<std::string> ids;
  for (const ProviderDef& def : builtin_providers()) ids.push_back(def.id);
  CHECK(ids == std::vector<std::string>{"antigravity", "deepinfra", "deepseek", "gemini-cli", "google-ai-studio", "kiro",
                                        "oaipro", "openai", "openrouter", "qwen-code", "zenmux"});

  const ProviderDef& openrouter = builtin_provider("openrouter");
  CHECK(openrouter.base_url == "https://openrouter.ai/api/v1");
  CHECK(openrouter.cost_source == CostSource::usage_cost);
  // Exactly one built-in provider's prices are the reference, and it is OpenRouter.
  std::vector<std::string> references;
  for (const ProviderDef& def : builtin_providers())
    if (def.price_reference) references.push_back(def.id);
  CHECK(references == std::vector<std::string>{"openrouter"});
  CHECK(openrouter.extra_headers ==
        std::vector<std::pair<std::string, std::string>>{{"HTTP-Referer", "https://github.com/keyaos/keyaos"},
                                                         {"X-Title", "Keyaos"}});
  REQUIRE(openrouter.credits.has_value());
  CHECK(openrouter.credits->path == "/credits");
  CHECK(openrouter.validation.method == ValidationMethod::get);
  CHECK(openrouter.validation.path == "/auth/key");

  CHECK(builtin_provider("google-ai-studio").base_url == "https://generativelanguage.googleapis.com/v1beta/openai");
  CHECK(builtin_provider("deepseek").currency == Currency::cny);
  CHECK(builtin_provider("deepseek").credits->parser == "deepseek");
  CHECK(builtin_provider("deepinfra").cost_source == CostSource::usage_estimated_cost);

  const ProviderDef& qwen = builtin_provider("qwen-code");
  CHECK(qwen.base_url == "https://coding.dashscope.aliyuncs.com/v1");
  // Only the Coding Plan key: the OAuth login is not offered (its free tier ended).
  CHECK(qwen.auth.kind == AuthKind::bearer);
  CHECK_FALSE(qwen.auth.token_url.has_value());
  CHECK_FALSE(qwen.credential_guide.file_path.has_value());
  REQUIRE(qwen.secret_format.has_value());
  CHECK(qwen.secret_format->prefixes == std::vector<std::string>{"sk-sp-"});
  CHECK(qwen.subscription);

  const ProviderDef& gemini = builtin_provider("gemini-cli");
  CHECK(gemini.protocol == Protocol::google_v1internal);
  CHECK(gemini.auth.kind == AuthKind::google_oauth);
  REQUIRE(gemini.auth.client_secret.has_value());
  CHECK(gemini.auth.client_secret->rfind("GOCSPX-", 0) == 0);  // "\u002d" in the file decodes to '-'

  const ProviderDef& antigravity = builtin_provider("antigravity");
  CHECK(antigravity.protocol == Protocol::google_v1internal);
  REQUIRE(antigravity.models.sync.has_value());
  CHECK(antigravity.models.sync->parser == "antigravity");

  const ProviderDef& kiro = builtin_provider("kiro");
  CHECK(kiro.protocol == Protocol::aws_eventstream);
  CHECK(kiro.auth.kind == AuthKind::kiro_oauth);

  for (const ProviderDef& def : builtin_providers()) {
    INFO(def.id);
    CHECK(def.models.entries.size() >= 2);
    CHECK(def.models.entries.size() <= 80);
  }
}

TEST_CASE("openai/gpt-4o-mini is served by openrouter, openai and oaipro at 0.15/0.60", "[providers]") {
  ReferenceMap reference = make_reference_map(catalog_from_definition(builtin_provider("openrouter")));
  for (const char* id : {"openrouter", "openai", "oaipro"}) {
    INFO(id);
    std::vector<CatalogEntry> rows = catalog_from_definition(builtin_provider(id));
    fill_from_reference(rows, {&reference});
    auto it = std::find_if(rows.begin(), rows.end(), [](const CatalogEntry& r) { return r.model_id == "openai/gpt-4o-mini"; });
    REQUIRE(it != rows.end());
    CHECK(it->input_price_per_m == 0.15);
    CHECK(it->output_price_per_m == 0.6);
    CHECK(it->cache_read_price_per_m == 0.075);
  }
}

TEST_CASE("OpenRouter's snapshot prices every model the others list", "[providers]") {
  const ProviderDef& openrouter = builtin_provider("openrouter");
  ReferenceMap reference = make_reference_map(catalog_from_definition(openrouter));
  for (const CatalogEntry& row : catalog_from_definition(openrouter)) {
    INFO(row.model_id);
    CHECK(row.input_price_per_m.has_value());
    CHECK(row.output_price_per_m.has_value());
  }
  std::set<std::string> not_on_openrouter;
  for (const ProviderDef& def : builtin_providers()) {
    for (const ModelEntryDef& entry : def.models.entries) {
      INFO(def.id << " " << entry.id);
      if (reference.count(entry.id) == 0) not_on_openrouter.insert(entry.id);
      // Subscriptions are priced by reference (shadow) prices only.
      if (def.subscription) CHECK_FALSE(entry.input_price_per_m.has_value());
    }
    std::vector<CatalogEntry> rows = catalog_from_definition(def);
    FillReport report = fill_from_reference(rows, {&reference});
    INFO(def.id);
    CHECK(report.unpriced.empty());
  }
  // DeepSeek's thinking mode has no OpenRouter id; it carries DeepSeek's own price.
  CHECK(not_on_openrouter == std::set<std::string>{"deepseek/deepseek-reasoner"});
}

TEST_CASE("model id mapping", "[providers]") {
  CHECK(to_upstream_model_id(builtin_provider("openai"), "openai/gpt-4o", "") == "gpt-4o");
  CHECK(to_upstream_model_id(builtin_provider("openai"), "openai/gpt-4o", "gpt-4o-2024-11-20") == "gpt-4o-2024-11-20");
  CHECK(to_upstream_model_id(builtin_provider("openrouter"), "openai/gpt-4o", "") == "openai/gpt-4o");
  CHECK(to_upstream_model_id(builtin_provider("zenmux"), "anthropic/claude-sonnet-4.5", "") == "anthropic/claude-sonnet-4.5");
  CHECK(to_upstream_model_id(builtin_provider("qwen-code"), "qwen/qwen3-max", "") == "qwen3-max-2026-01-23");
  CHECK(to_upstream_model_id(builtin_provider("qwen-code"), "minimax/minimax-m2.5", "") == "MiniMax-M2.5");
  CHECK(to_upstream_model_id(builtin_provider("kiro"), "anthropic/claude-sonnet-4.5", "") == "claude-sonnet-4.5");
  CHECK(to_upstream_model_id(builtin_provider("kiro"), "deepseek/deepseek-v3.2", "") == "deepseek-3.2");
  CHECK(to_upstream_model_id(builtin_provider("antigravity"), "anthropic/claude-opus-4.6", "") == "claude-opus-4-6-thinking");
  CHECK(to_upstream_model_id(builtin_provider("gemini-cli"), "google/gemini-2.5-pro", "") == "gemini-2.5-pro");
  CHECK(to_upstream_model_id(builtin_provider("deepinfra"), "meta-llama/llama-3.3-70b-instruct", "") ==
        "meta-llama/Llama-3.3-70B-Instruct-Turbo");

  CHECK(canonical_model_id(builtin_provider("deepseek"), "deepseek-chat") == "deepseek/deepseek-chat");
  CHECK(canonical_model_id(builtin_provider("openai"), "gpt-4o-mini") == "openai/gpt-4o-mini");
  CHECK(canonical_model_id(builtin_provider("openai"), "openai/gpt-4o") == "openai/gpt-4o");  // has a vendor already
  CHECK(canonical_model_id(builtin_provider("google-ai-studio"), "gemini-2.0-flash") == "google/gemini-2.0-flash-001");
  CHECK(canonical_model_id(builtin_provider("deepinfra"), "BAAI/bge-m3") == "baai/bge-m3");
  CHECK(canonical_model_id(builtin_provider("deepinfra"), "zai-org/GLM-4.5") == "z-ai/glm-4.5");
  CHECK(canonical_model_id(builtin_provider("openrouter"), "openai/gpt-4o") == "openai/gpt-4o");

  CHECK(is_canonical_model_id("openai/gpt-4o:extended"));
  CHECK_FALSE(is_canonical_model_id("OpenAI/gpt-4o"));
  CHECK_FALSE(is_canonical_model_id("gpt-4o"));
  CHECK_FALSE(is_canonical_model_id("a/b/c"));
}

TEST_CASE("invalid definitions are rejected with the field and the reason", "[providers]") {
  {
    ProviderDef def;
    std::string error;
    REQUIRE(parse_provider(minimal_definition().dump(), def, error));
    CHECK(def.id == "example");
    CHECK(def.models.entries[0].input_price_per_m == 1.0);
  }
  auto with = [](const char* pointer, nlohmann::json value) {
    nlohmann::json def = minimal_definition();
    def[nlohmann::json::json_pointer(pointer)] = std::move(value);
    return def;
  };
  auto without = [](const char* key) {
    nlohmann::json def = minimal_definition();
    def.erase(key);
    return def;
  };

  CHECK(rejection(with("/protocol", "grpc")) ==
        "protocol: \"grpc\" is not one of openai, google-v1internal, aws-eventstream");
  CHECK(rejection(without("base_url")) == "base_url: missing");
  CHECK(rejection(with("/base_url", "https://user:secret@api.example.com/v1")) ==
        "base_url: must not contain credentials (user:password@)");
  CHECK(rejection(with("/base_url", "https://api.example.com/v1?key=abc")) ==
        "base_url: must not have a query or fragment (credentials belong in headers)");
  CHECK(rejection(with("/base_url", "ftp://api.example.com")) == "base_url: must start with https:// or http://");
  CHECK(rejection(with("/base_url", "https://api.example.com/v1/")) ==
        "base_url: must not end with '/' (paths are appended to it)");
  CHECK(rejection(with("/base_url", "https:///v1")) == "base_url: has no host");
  CHECK(rejection(with("/secret_pattern", "^sk-[a-f0-9]+$")) == "secret_pattern: is not a known field");
  CHECK(rejection(with("/secret_format/alphabet", "[a-f0-9]")) ==
        "secret_format.alphabet: \"[a-f0-9]\" must be one of hex, base62, base64url, printable, or {\"chars\": \"...\"}");
  CHECK(rejection(with("/secret_format/max_length", 31)) == "secret_format.max_length: must be at least min_length (32)");
  CHECK(rejection(with("/auth/kind", "qwen_oauth")) ==
        "auth.kind: \"qwen_oauth\" is not one of bearer, google_oauth, kiro_oauth");
  CHECK(rejection(with("/id", "Open_Router")) == "id: \"Open_Router\" must match [a-z0-9-]+ (at most 64 characters)");
  CHECK(rejection(with("/currency", "EUR")) == "currency: \"EUR\" is not one of USD, CNY");
  CHECK(rejection(with("/cost_source", "usage.price")) ==
        "cost_source: \"usage.price\" is not one of usage.cost, usage.estimated_cost, tokens");
  CHECK(rejection(with("/subscription", "no")) == "subscription: must be true or false");
  CHECK(rejection(with("/base_ur1", "https://x.example")) == "base_ur1: is not a known field");
  CHECK(rejection(with("/auth/kind", "google_oauth")) == "auth.token_url: missing (required for oauth kinds)");
  CHECK(rejection(with("/auth", {{"kind", "bearer"}, {"token_url", "https://x.example/token"}})) ==
        "auth: token_url, client_id and client_secret belong to oauth kinds only");
  CHECK(rejection(with("/protocol", "aws-eventstream")) ==
        "auth.kind: \"bearer\" does not fit protocol \"aws-eventstream\"");
  CHECK(rejection(with("/extra_headers", {{"Authorization", "Bearer sk-123"}})) ==
        "extra_headers.Authorization: credentials never live in a provider definition");
  CHECK(rejection(with("/extra_headers", {{"X Bad", "1"}})) == "extra_headers.X Bad: is not a valid header name");
  CHECK(rejection(with("/models/entries/0/input_price_per_m", -1)) ==
        "models.entries[0].input_price_per_m: must be >= 0 (null when unknown)");
  CHECK(rejection(with("/models/entries/0/id", "Example/One")) ==
        "models.entries[0].id: \"Example/One\" is not a lower-case vendor/model id");
  CHECK(rejection(with("/models/entries/1", minimal_definition()["models"]["entries"][0])) ==
        "models.entries[1].id: \"example/one\" is listed twice");
  CHECK(rejection(with("/models/sync/parser", "yaml")) ==
        "models.sync.parser: \"yaml\" is not one of openrouter, zenmux, deepinfra, openai_list, antigravity, google_models");
  CHECK(rejection(with("/models/sync/path", "models")) == "models.sync.path: must start with '/'");
  CHECK(rejection(with("/model_id/canonical_prefix", "example")) ==
        "model_id.canonical_prefix: must be a lower-case vendor followed by '/', e.g. \"deepseek/\"");
  CHECK(rejection(with("/validation", {{"method", "GET"}})) == "validation.path: missing (required for GET)");
  CHECK(rejection(with("/validation", {{"method", "chat"}})) == "validation.model: missing (required for chat)");
  CHECK(rejection(with("/credits", {{"path", "/credits"}, {"parser", "stripe"}})) ==
        "credits.parser: \"stripe\" is not one of openrouter, deepseek");
  CHECK(rejection(with("/credential_guide/url", "javascript:alert(1)")) ==
        "credential_guide.url: must start with https:// or http://");

  // Every section names the first required key it lacks.
  auto erased = [](const char* pointer, const char* key) {
    nlohmann::json def = minimal_definition();
    def[nlohmann::json::json_pointer(pointer)].erase(key);
    return def;
  };
  CHECK(rejection(erased("/auth", "kind")) == "auth.kind: missing");
  CHECK(rejection(erased("/credential_guide", "placeholder")) == "credential_guide.placeholder: missing");
  CHECK(rejection(erased("/models/entries/0", "name")) == "models.entries[0].name: missing");
  CHECK(rejection(erased("/models/entries/0", "output_modalities")) == "models.entries[0].output_modalities: missing");
  CHECK(rejection(erased("/models", "sync")) == "models.sync: missing (null for a static list)");
  CHECK(rejection(erased("/models/sync", "auth")) == "models.sync.auth: missing");
  CHECK(rejection(with("/credits", {{"path", "/credits"}})) == "credits.parser: missing");
  CHECK(rejection(with("/credits", {{"path", "credits"}, {"parser", "deepseek"}})) == "credits.path: must start with '/'");
  CHECK(rejection(with("/count_tokens", {{"path", "/count"}, {"format", "gemini"}})) == "count_tokens.path: must contain {model}");
  CHECK(rejection(with("/count_tokens", {{"format", "gemini"}})) == "count_tokens.path: missing");
  CHECK(rejection(with("/embeddings", {{"path", "/embeddings"}})) == "embeddings.mark: missing");
  CHECK(rejection(with("/embeddings", {{"path", "/embeddings"}, {"mark", {{"all", true}}}})) ==
        "embeddings.mark.all: needs a separate list (a main list also holds chat models)");
  CHECK(rejection(with("/embeddings", {{"path", "/embeddings"}, {"mark", {{"all", true}}}, {"list", {{"path", "/m"}, {"parser", "openai_list"}}}})) ==
        "embeddings.list.auth: missing");
  {
    // A null section is absent.
    nlohmann::json def = with("/credits", nullptr);
    def["embeddings"] = nullptr;
    def["models"]["sync"] = nullptr;
    ProviderDef parsed;
    std::string error;
    REQUIRE(parse_provider(def.dump(), parsed, error));
    CHECK_FALSE(parsed.credits);
    CHECK_FALSE(parsed.embeddings);
    CHECK_FALSE(parsed.models.sync);
  }

  CHECK(rejection(std::string("{\"id\": ")) == "(document): is not valid JSON");
  CHECK(rejection(std::string("[]")) == "(document): must be a JSON object");
  CHECK(rejection(minimal_definition().dump() + " {}") == "(document): has content after the object");
  std::string repeated = minimal_definition().dump();
  repeated.insert(1, "\"name\":\"Twice\",");
  CHECK(rejection(repeated) == "name: appears twice");
}

