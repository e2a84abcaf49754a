// Catalogue sync: custom provider definitions, the per-run plan, the
// per-provider write, and a whole cron run through the engine.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "catalog/builtin_providers.h"
#include "catalog/custom_provider.h"
#include "catalog/sync_apply.h"
#include "catalog/sync_plan.h"
#include "core/engine.h"
#include "core/json.h"
#include "fixtures.h"

using namespace keyaos;
using namespace keyaos::catalog;

namespace {

CatalogEntry row(const std::string& id, double in, double out, const std::string& provider = std::string(1, 'p')) {
  CatalogEntry e;
  e.provider_id = provider;
  e.model_id = id;
  e.upstream_model_id = id;
  e.name = id;
  e.input_price_per_m = in;
  e.output_price_per_m = out;
  return e;
}

bool parse_custom(const std::string& text, CustomProvider& out, std::string& error) {
  error.clear();
  return parse_custom_provider(text, out, error);
}

}  // namespace

// ---- custom providers ------------------------------------------------------

TEST_CASE("custom provider: a static list parses, round-trips and routes as an OpenAI bearer provider", "[sync]") {
  CustomProvider p;
  std::string error;
  REQUIRE(parse_custom(R"({"id":"acme","name":"Acme","base_url":"http://127.0.0.1:8000/v1/",
      "models":[{"id":"meta-llama/llama-3.1-8b-instruct","upstream_id":"llama3.1:8b","input_price_per_m":0.01,"output_price_per_m":0.02}]})",
                       p, error));
  CHECK(p.base_url == "http://127.0.0.1:8000/v1");  // trailing '/' dropped: paths are appended
  REQUIRE(p.models.size() == 1);
  CHECK(p.models[0].name == "meta-llama/llama-3.1-8b-instruct");

  CustomProvider again;
  REQUIRE(parse_custom(custom_provider_to_json(p), again, error));
  CHECK(custom_provider_to_json(again) == custom_provider_to_json(p));

  ProviderDef def = custom_provider_def(p);
  CHECK(def.protocol == Protocol::openai);
  CHECK(def.auth.kind == AuthKind::bearer);
  CHECK(def.validation.method == ValidationMethod::get);
  CHECK(def.validation.path == "/models");
  CHECK(to_upstream_model_id(def, "meta-llama/llama-3.1-8b-instruct", "") == "llama3.1:8b");
  // Listed ids: the static entry's upstream id maps back; bare ids get the provider as vendor.
  CHECK(canonical_model_id(def, "llama3.1:8b") == "meta-llama/llama-3.1-8b-instruct");
  CHECK(canonical_model_id(def, "Qwen2.5:7B") == "acme/qwen2.5:7b");
  CHECK(canonical_model_id(def, "Meta-Llama/Llama-3.3-70B") == "meta-llama/llama-3.3-70b");
}

TEST_CASE("custom provider: invalid input is named by field", "[sync]") {
  CustomProvider p;
  std::string error;
  const std::string models = R"("models":[{"id":"a/b","input_price_per_m":1,"output_price_per_m":2}])";
  struct Case {
    std::string body;
    std::string error_starts;
  } cases[] = {
      {R"({"id":"Bad_Id","base_url":"https://x.test",)" + models + "}", "id:"},
      {R"({"id":"-x","base_url":"https://x.test",)" + models + "}", "id:"},
      {R"({"id":"acme","base_url":"https://user:pw@x.test/v1",)" + models + "}", "base_url: must not contain credentials"},
      {R"({"id":"acme","base_url":"ftp://x.test",)" + models + "}", "base_url: must start with"},
      {R"({"id":"acme","base_url":"https://x.test/v1?key=1",)" + models + "}", "base_url: must not have a query"},
      {R"({"id":"acme","base_url":"https://x.test"})", "models:"},
      {R"({"id":"acme","base_url":"https://x.test","models":[{"id":"a/b","output_price_per_m":2}]})", "models[0].input_price_per_m:"},
      {R"({"id":"acme","base_url":"https://x.test","models":[{"id":"A/B","input_price_per_m":1,"output_price_per_m":2}]})", "models[0].id:"},
      {R"({"id":"acme","base_url":"https://x.test","models":[{"id":"a/b","input_price_per_m":-1,"output_price_per_m":2}]})", "models[0].input_price_per_m:"},
      {R"({"id":"acme","base_url":"https://x.test","models":[{"id":"a/b","input_price_per_m":1,"output_price_per_m":2},{"id":"a/b","input_price_per_m":1,"output_price_per_m":2}]})", "models[1].id:"},
      {R"({"id":"acme","base_url":"https://x.test","colour":"red",)" + models + "}", "colour:"},
      {R"({"id":"acme","base_url":"https://x.test","models_url":"https://k:s@x.test/models"})", "models_url: must not contain credentials"},
      {R"({"base_url":"https://x.test",)" + models + "}", "id: is required"},
      {"[1,2]", "(document): must be a JSON object"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    CHECK_FALSE(parse_custom(c.body, p, error));
    CHECK(error.rfind(c.error_starts, 0) == 0);
    INFO(error);
  }
}

TEST_CASE("custom provider: with a models_url, prices may be left to the reference", "[sync]") {
  CustomProvider p;
  std::string error;
  REQUIRE(parse_custom(R"({"id":"vllm","base_url":"http://10.0.0.5:8000/v1","models_url":"http://10.0.0.5:8000/v1/models?limit=100"})", p, error));
  CHECK(p.models.empty());
  CHECK(p.name == "vllm");
  REQUIRE(parse_custom(R"({"id":"vllm","base_url":"http://h/v1","models_url":"http://h/v1/models","models":[{"id":"a/b"}]})", p, error));
  CHECK_FALSE(p.models[0].input_price_per_m.has_value());
}

// ---- the plan across invocations -------------------------------------------

TEST_CASE("sync state round-trips through meta JSON", "[sync]") {
  SyncState s;
  s.at = 1700000000000;
  s.ok = true;
  s.models = 321;
  s.bytes = 1048576;
  s.pending = 21;
  s.note = "12 of 20 active models would disappear";
  SyncState back;
  REQUIRE(parse_sync_state(sync_state_json(s), back));
  CHECK(back.at == s.at);
  CHECK(back.ok);
  CHECK(back.models == 321);
  CHECK(back.bytes == 1048576);
  CHECK(back.pending == 21);
  CHECK(back.error.empty());
  CHECK(back.note == s.note);
  CHECK_FALSE(parse_sync_state("not json", back));
}

TEST_CASE("each run syncs the most overdue lists that fit, the reference first", "[sync]") {
  const int64_t hour = 3600 * 1000, now = 100 * hour;
  std::vector<SyncCandidate> c = {
      {"deepinfra", now - 2 * hour, 150, false, false},
      {"openrouter", now - 3 * hour, 900, false, true},
      {"zenmux", now - 10 * 60 * 1000, 80, false, false},  // synced 10 minutes ago: not due
      {"deepseek", 0, 2, false, false},                     // never synced: most overdue
      {"google", now - 5 * hour, 50, false, false},
  };
  SyncBudget budget;
  budget.models = 1000;
  std::vector<size_t> picked = pick_sync_batch(c, budget, now, 50 * 60 * 1000);
  std::vector<std::string> ids;
  for (size_t i : picked) ids.push_back(c[i].provider_id);
  // deepseek, google and openrouter fit in 1000 models; deepinfra's 150 would not.
  CHECK(ids == std::vector<std::string>{"openrouter", "deepseek", "google"});

  // Rows left over last time make a list due at once.
  c[2].pending = true;
  budget.lists = 1;
  picked = pick_sync_batch(c, budget, now, 50 * 60 * 1000);
  CHECK(picked == std::vector<size_t>{3});  // deepseek is still the most overdue
  c[3].last_at = now - 60 * 1000;
  picked = pick_sync_batch(c, budget, now, 50 * 60 * 1000);
  CHECK(picked == std::vector<size_t>{4});  // then google (5 h) before the pending zenmux (10 min)

  // One list larger than the whole budget still runs, on its own; never-synced ties go reference first.
  budget = SyncBudget{};
  budget.models = 100;
  picked = pick_sync_batch({{"deepseek", 0, 2, false, false}, {"openrouter", 0, 1200, false, true}}, budget, now, 0);
  CHECK(picked == std::vector<size_t>{1});
  // At most `lists` lists per run.
  budget = SyncBudget{};
  std::vector<SyncCandidate> many(6, SyncCandidate{"x", 0, 10, false, false});
  CHECK(pick_sync_batch(many, budget, now, 0).size() == 3);
}

// ---- one provider's write ---------------------------------------------------

TEST_CASE("a sync upserts what changed, deactivates what vanished, and leaves the rest for the next run", "[sync]") {
  std::vector<CatalogEntry> fresh = {row("a/one", 1, 2), row("a/two", 3, 4), row("a/three", 5, 6)};
  CatalogWrite w = plan_catalog_write("", "p", {"a/one", "a/two", "a/three", "a/gone"}, true, fresh, "sync", {}, 100, 1000);
  CHECK(w.upserted == 3);
  CHECK(w.pending == 0);
  CHECK(w.decision.deactivate == std::vector<std::string>{"a/gone"});
  REQUIRE(w.statements.size() == 2);
  CHECK(w.statements[0].name == "catalog.upsert");
  CHECK(w.statements[1].name == "catalog.deactivate");  // its SQL: store_test
  CHECK(w.statements[1].sql.find("('a/gone')") != std::string::npos);
  REQUIRE(w.digests.size() == 3);

  // The digests survive their text form.
  RowDigests stored = parse_row_digests(row_digests_text(w.digests));
  CHECK(stored == w.digests);

  // The same rows again, all active: nothing to write.
  CatalogWrite same = plan_catalog_write("", "p", {"a/one", "a/two", "a/three"}, true, fresh, "sync", stored, 100, 2000);
  CHECK(same.upserted == 0);
  CHECK(same.statements.empty());
  CHECK(same.digests == stored);
  // One price changed and one row inactive in D1: just those two are written.
  std::vector<CatalogEntry> cheaper = fresh;
  cheaper[1].input_price_per_m = 2.5;
  CatalogWrite two = plan_catalog_write("", "p", {"a/one", "a/two"}, true, cheaper, "sync", stored, 100, 3000);
  CHECK(two.upserted == 2);
  REQUIRE(two.statements.size() == 1);
  CHECK(two.statements[0].sql.find("'a/one'") == std::string::npos);
  CHECK(two.statements[0].sql.find("'a/two'") != std::string::npos);
  CHECK(two.statements[0].sql.find("'a/three'") != std::string::npos);

  // A row budget of 2: the third changed row waits, without a digest, for the next run.
  CatalogWrite capped = plan_catalog_write("", "p", {}, true, fresh, "sync", {}, 2, 4000);
  CHECK(capped.upserted == 2);
  CHECK(capped.pending == 1);
  CHECK(capped.digests.size() == 2);
  CatalogWrite rest = plan_catalog_write("", "p", {"a/one", "a/two"}, true, fresh, "sync", capped.digests, 2, 5000);
  CHECK(rest.upserted == 1);
  CHECK(rest.pending == 0);
  CHECK(rest.digests.size() == 3);
}

TEST_CASE("a list's key changes with its bytes, the definitions and the reference it was priced from", "[sync]") {
  const std::string body = R"({"data":[{"id":"deepseek-chat"},{"id":"deepseek-reasoner"}]})";
  const std::string key = list_key(body, "v1", "ref1");
  CHECK(key.size() == 16);
  CHECK(list_key(body, "v1", "ref1") == key);
  CHECK(list_key(body + " ", "v1", "ref1") != key);
  std::string flipped = body;
  flipped[20] = 'x';
  CHECK(list_key(flipped, "v1", "ref1") != key);
  CHECK(list_key(body, "v2", "ref1") != key);
  CHECK(list_key(body, "v1", "ref2") != key);

  // A long body: a change in any lane or in the tail, or words swapped between lanes.
  std::string long_body;
  for (int i = 0; long_body.size() < 1003; i++) long_body += R"({"id":"model-)" + std::to_string(i) + R"("},)";
  const std::string long_key = list_key(long_body, "v1", "ref1");
  for (size_t at : {size_t{0}, size_t{9}, size_t{17}, size_t{31}, size_t{500}, long_body.size() - 9, long_body.size() - 1}) {
    std::string changed = long_body;
    changed[at] ^= 1;
    CHECK(list_key(changed, "v1", "ref1") != long_key);
  }
  std::string swapped = long_body;
  std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
  REQUIRE(swapped != long_body);
  CHECK(list_key(swapped, "v1", "ref1") != long_key);
}

TEST_CASE("the shrink guard keeps the catalogue after a failed, empty or halved list", "[sync]") {
  std::vector<std::string> active = {"a/1", "a/2", "a/3", "a/4"};
  CatalogWrite failed = plan_catalog_write("", "p", active, false, {row("a/1", 1, 1)}, "sync", {}, 100, 1);
  CHECK(failed.statements.empty());
  CHECK(failed.decision.refused);
  CatalogWrite empty = plan_catalog_write("", "p", active, true, {}, "sync", {}, 100, 1);
  CHECK(empty.statements.empty());
  CatalogWrite halved = plan_catalog_write("", "p", active, true, {row("a/1", 1, 1)}, "sync", {}, 100, 1);
  CHECK(halved.decision.refused);
  REQUIRE(halved.statements.size() == 1);  // the short list is still upserted, nothing deactivated
  CHECK(halved.statements[0].name == "catalog.upsert");
  CHECK(split_lines("a/1\na/2\n\na/3") == std::vector<std::string>{"a/1", "a/2", "a/3"});
}

TEST_CASE("a fresh list is priced from its own snapshot first, then the reference", "[sync]") {
  std::vector<ProviderDef> builtins;
  std::string error;
  REQUIRE(load_builtin_providers(builtins, error));
  const ProviderDef* deepseek = nullptr;
  for (const auto& d : builtins)
    if (d.id == "deepseek") deepseek = &d;
  REQUIRE(deepseek);
  ReferenceMap own = make_reference_map(catalog_from_definition(*deepseek));
  ReferenceMap openrouter = make_reference_map({row("deepseek/deepseek-chat", 9, 9), row("deepseek/deepseek-v9", 0.5, 1.5)});
  FreshList list = read_fresh_list(*deepseek, "openai_list",
                                   R"({"data":[{"id":"deepseek-chat"},{"id":"deepseek-v9"},{"id":"deepseek-secret"}]})",
                                   {&own, &openrouter});
  REQUIRE(list.ok);
  REQUIRE(list.rows.size() == 3);
  CHECK(list.rows[0].model_id == "deepseek/deepseek-chat");
  CHECK(list.rows[0].upstream_model_id == "deepseek-chat");
  CHECK(list.rows[0].input_price_per_m == 0.28);  // DeepSeek's own price, not the reference's 9
  CHECK(list.rows[1].input_price_per_m == 0.5);
  CHECK(list.fill.unpriced == std::vector<std::string>{"deepseek/deepseek-secret"});
  CHECK_FALSE(read_fresh_list(*deepseek, "openai_list", "<html>", {}).ok);
}

// ---- a cron run through the engine -----------------------------------------

namespace {

struct ScriptedHost {
  Engine engine;
  std::vector<Json> statements;       // every statement, in order
  std::vector<Json> fetches;          // every fetch head, in order
  std::string openrouter_list;
  std::string openrouter_embeddings_list =
      R"({"data":[{"id":"openai/text-embedding-3-small","pricing":{"prompt":"0.00000002","completion":"0"}}]})";

  Json rows_for(const Json& statement) const {
    const std::string name = str_field(statement, "name");
    // DeepSeek's 2-model list is overdue; the other lists were synced a minute ago.
    if (name == "sync_state.all") {
      Json rows = Json::array({{{"key", "sync:deepseek"}, {"value", R"({"at":1,"ok":true,"models":2,"bytes":300})"}}});
      for (const char* id : {"deepinfra", "zenmux", "google-ai-studio", "openai"})
        rows.push_back({{"key", std::string("sync:") + id}, {"value", R"({"at":9999940000,"ok":true,"models":50,"bytes":5000})"}});
      return rows;
    }
    if (name == "credentials.all_owners_usable")
      return Json::array({{{"id", "cred_ds"}, {"owner_id", "self"}, {"provider_id", "deepseek"}, {"encrypted_secret", "ct-ds"}}});
    return Json::array();
  }

  Action run(Action a, int64_t now) {
    for (int guard = 0; guard < 200; ++guard) {
      const std::string type = str_field(a.head, "type");
      Json ev;
      std::string payload;
      if (type == "sql") {
        Json results = Json::array();
        for (const auto& s : a.head["statements"]) {
          statements.push_back(s);
          results.push_back(rows_for(s));
        }
        ev = {{"type", "rows"}, {"results", results}};
      } else if (type == "fetch") {
        fetches.push_back(a.head);
        const std::string url = str_field(a.head, "url");
        ev = {{"type", "upstream_head"}, {"status", url.find("or.test") != std::string::npos ? 200 : 503}, {"headers", Json::object()}};
      } else if (type == "read_body") {
        ev = {{"type", "upstream_body"}};
        const std::string url = str_field(fetches.back(), "url");
        payload = url.find("or.test") == std::string::npos           ? R"({"error":{"message":"down for maintenance"}})"
                  : url.find("/embeddings/models") != std::string::npos ? openrouter_embeddings_list
                                                                        : openrouter_list;
      } else {
        return a;
      }
      ev["now"] = now;
      a = engine.step(handle, dump_json(ev), payload);
    }
    FAIL("the sync did not finish");
    return a;
  }
  uint32_t handle = 0;
};

}  // namespace

TEST_CASE("a cron run syncs the reference first and records every provider's state", "[sync][engine]") {
  ScriptedHost host;
  REQUIRE(host.engine.init(R"({"admin_token":"t","encryption_configured":true,"upstream_base_urls":{"openrouter":"http://or.test/api/v1",
      "deepseek":"http://ds.test","deepinfra":"http://di.test/v1/openai","zenmux":"http://zm.test/api/v1"}})").empty());
  host.openrouter_list = read_fixture("openrouter_models_entry.json");
  REQUIRE_FALSE(host.openrouter_list.empty());
  host.handle = host.engine.open();
  Action first = host.engine.step(host.handle, R"({"type":"scheduled","cron":"17 * * * *","now":10000000000})", "");
  Action last = host.run(first, 10000000000);
  CHECK(str_field(last.head, "type") == "done");

  REQUIRE_FALSE(host.fetches.empty());
  const Json& list = host.fetches[0];
  CHECK(str_field(list, "url") == "http://or.test/api/v1/models");
  CHECK(str_field(list, "method") == "GET");
  CHECK(str_field(list["headers"], "x-title") == "Keyaos");
  CHECK_FALSE(list["headers"].contains("authorization"));  // OpenRouter's list is public
  CHECK_FALSE(list.contains("credential"));
  // DeepSeek's list needs its key: the host decrypts it into the header.
  bool deepseek_listed = false;
  for (const auto& f : host.fetches)
    if (str_field(f, "url") == "http://ds.test/models") {
      deepseek_listed = true;
      CHECK(str_field(f["headers"], "authorization") == "Bearer ${secret}");
      CHECK(str_field(f["credential"], "ciphertext") == "ct-ds");
      // Bound to its row: a v2 ciphertext opens only with this additional data.
      CHECK(str_field(f["credential"], "aad") == "keyaos:credential:self:cred_ds");
    }
  // Which providers run depends on the budget; whatever ran left a state.
  bool wrote_openrouter = false, wrote_state = false;
  for (const auto& s : host.statements) {
    const std::string name = str_field(s, "name");
    // Catalogue rows are inlined (D1 binds at most 100 parameters).
    if (name == "catalog.upsert" && str_field(s, "sql").find("'openrouter','anthropic/claude-sonnet-4.5'") != std::string::npos)
      wrote_openrouter = true;
    if (name == "sync_state.put_state") wrote_state = true;
  }
  CHECK(wrote_openrouter);
  CHECK(wrote_state);
  CHECK(deepseek_listed);
  // OpenRouter's two lists (models, then embedding models) and DeepSeek's; the lists synced a minute ago are not due.
  REQUIRE(host.fetches.size() == 3);
  CHECK(str_field(host.fetches[1], "url") == "http://or.test/api/v1/embeddings/models");
}
