// The D1 schema check: once per isolate, before any route's SQL, and never
// remembered as failed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/engine.h"
#include "core/schema.h"

using namespace keyaos;

namespace {

std::string type_of(const Action& a) { return str_field(a.head, "type"); }

Action models_request(Engine& engine, uint32_t h) {
  Json ev = {{"type", "request"}, {"method", "GET"}, {"path", "/v1/models"}, {"query", ""},
             {"headers", {{"authorization", "Bearer schema-admin"}}}, {"now", 1000}, {"nonce", std::string(32, 'a')}};
  return engine.step(h, dump_json(ev), "");
}

Action rows(Engine& engine, uint32_t h, const Json& results, const std::string& error = {}) {
  Json ev = {{"type", "rows"}, {"results", results}, {"now", 1000}};
  if (!error.empty()) ev["error"] = error;
  return engine.step(h, dump_json(ev), "");
}

bool is_schema_check(const Action& a) {
  return type_of(a) == "sql" && str_field(a.head["statements"][0], "name") == "schema.check";
}

}  // namespace

TEST_CASE("the required schema is the newest migration file", "[schema]") {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(KEYAOS_FIXTURES) / ".." / ".." / "migrations"))
    if (e.path().extension() == ".sql") names.push_back(e.path().filename().string());
  REQUIRE_FALSE(names.empty());
  CHECK(required_schema_version() == *std::max_element(names.begin(), names.end()));
}

TEST_CASE("schema results: current, behind, missing, database down", "[schema]") {
  SqlResult current;
  current.rows.push_back(Json::array());
  CHECK_FALSE(schema_problem(current));

  SqlResult behind;
  behind.rows.push_back(Json::array({{{"latest", "0000_older.sql"}}}));
  auto b = schema_problem(behind);
  REQUIRE(b);
  CHECK(b->status == 503);
  CHECK(b->code == "schema_outdated");
  CHECK(b->message.find("0000_older.sql") != std::string::npos);
  CHECK(b->message.find(required_schema_version()) != std::string::npos);

  SqlResult empty_table;  // d1_migrations exists but records nothing
  empty_table.rows.push_back(Json::array({{{"latest", nullptr}}}));
  REQUIRE(schema_problem(empty_table));
  CHECK(schema_problem(empty_table)->code == "schema_missing");

  SqlResult no_table;
  no_table.error = "D1_ERROR: no such table: d1_migrations: SQLITE_ERROR";
  auto m = schema_problem(no_table);
  REQUIRE(m);
  CHECK(m->status == 503);
  CHECK(m->code == "schema_missing");
  CHECK(m->message.find("npx wrangler d1 migrations apply DB --remote") != std::string::npos);

  SqlResult down;
  down.error = "D1_ERROR: network connection lost";
  REQUIRE(schema_problem(down));
  CHECK(schema_problem(down)->code == "database_unavailable");
}

TEST_CASE("the engine checks the schema on its first request, rechecks after a failure, then never again", "[schema]") {
  Engine engine;
  REQUIRE(engine.init(R"({"admin_token":"schema-admin","encryption_configured":true})").empty());

  uint32_t h = engine.open();
  Action a = models_request(engine, h);
  REQUIRE(is_schema_check(a));
  a = rows(engine, h, Json::array(), "no such table: d1_migrations");
  REQUIRE(type_of(a) == "respond");
  CHECK(a.head["status"] == 503);
  CHECK(a.payload.find("\"schema_missing\"") != std::string::npos);
  engine.close(h);

  // Not cached as failed: the next request checks again, and now the schema is there.
  h = engine.open();
  a = models_request(engine, h);
  REQUIRE(is_schema_check(a));
  a = rows(engine, h, Json::array({Json::array()}));
  REQUIRE(type_of(a) == "sql");
  CHECK_FALSE(is_schema_check(a));
  engine.close(h);

  // Warm: straight to the route's own SQL.
  h = engine.open();
  a = models_request(engine, h);
  REQUIRE(type_of(a) == "sql");
  CHECK_FALSE(is_schema_check(a));
  engine.close(h);

  // A wrong key is refused without touching D1.
  Engine cold;
  REQUIRE(cold.init(R"({"admin_token":"schema-admin"})").empty());
  h = cold.open();
  Json ev = {{"type", "request"}, {"method", "GET"}, {"path", "/v1/models"}, {"query", ""},
             {"headers", {{"authorization", "Bearer wrong"}}}, {"now", 1000}, {"nonce", std::string(32, 'b')}};
  a = cold.step(h, dump_json(ev), "");
  REQUIRE(type_of(a) == "respond");
  CHECK(a.head["status"] == 401);
}
