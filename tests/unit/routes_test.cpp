// The router's table (wasm/api/router.cpp) is the one list of routes: README's
// API table and dashboard/public/openapi.json must list exactly its methods
// and paths, and README says who may call each.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/router.h"
#include "fake_host.h"
#include "fixtures.h"

using namespace keyaos;
using api::Access;
using keyaos::testing::FakeHost;

namespace {

std::string repo_file(const std::string& path) { return read_fixture("../../" + path); }

// Parameters lose their names: `/api/credentials/{id}` and `/api/credentials/:id` are one path.
std::string normalise(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size();) {
    const bool brace = path[i] == '{';
    const bool colon = path[i] == ':' && i > 0 && path[i - 1] == '/';
    if (!brace && !colon) {
      out += path[i++];
      continue;
    }
    const size_t end = brace ? path.find('}', i) : path.find('/', i);
    out += "{}";
    i = end == std::string::npos ? path.size() : end + (brace ? 1 : 0);
  }
  return out;
}

const char* access_text(Access a) {
  switch (a) {
    case Access::anyone: return "anyone";
    case Access::api_key: return "API key or admin token";
    case Access::admin: return "admin token";
  }
  return "?";
}

// "METHOD path" -> who may call it. HEAD goes with GET, which the docs list alone.
std::map<std::string, std::string> router_routes() {
  std::map<std::string, std::string> out;
  for (const api::DeclaredRoute& r : api::declared_routes())
    for (const std::string& m : r.methods)
      if (m != "HEAD") out[m + " " + normalise(r.path)] = access_text(r.access);
  return out;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string unquote(const std::string& s) {
  return s.size() >= 2 && s.front() == '`' && s.back() == '`' ? s.substr(1, s.size() - 2) : s;
}

// The rows "| `METHOD` | `path` | caller |" of README's route table.
std::map<std::string, std::string> readme_routes(const std::string& readme) {
  static const std::set<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < readme.size()) {
    size_t end = readme.find('\n', start);
    if (end == std::string::npos) end = readme.size();
    const std::string line = readme.substr(start, end - start);
    start = end + 1;
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    for (size_t at = 1; at < line.size();) {
      const size_t bar = line.find('|', at);
      if (bar == std::string::npos) break;
      cells.push_back(trim(line.substr(at, bar - at)));
      at = bar + 1;
    }
    if (cells.size() != 3 || !kMethods.count(unquote(cells[0]))) continue;
    out[unquote(cells[0]) + " " + normalise(unquote(cells[1]))] = cells[2];
  }
  return out;
}

std::map<std::string, std::string> openapi_routes(const Json& spec) {
  static const std::set<std::string> kMethods = {"get", "post", "put", "patch", "delete", "head"};
  std::map<std::string, std::string> out;
  const Json* paths = field(spec, "paths");
  if (!paths || !paths->is_object()) return out;
  for (const auto& [path, item] : paths->items()) {
    if (!item.is_object()) continue;
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.count(method)) continue;
      std::string upper;
      for (char c : method) upper += static_cast<char>(c - 'a' + 'A');
      out[upper + " " + normalise(path)] = "";
    }
  }
  return out;
}

// What one side lists and the other does not, one route a line.
std::string differences(const std::map<std::string, std::string>& router, const std::map<std::string, std::string>& docs,
                        bool compare_callers) {
  std::string out;
  for (const auto& [route, caller] : router) {
    auto it = docs.find(route);
    if (it == docs.end()) out += "missing from the docs: " + route + "\n";
    else if (compare_callers && it->second != caller) out += route + ": the docs say \"" + it->second + "\", the router \"" + caller + "\"\n";
  }
  for (const auto& [route, caller] : docs)
    if (!router.count(route)) out += "not a route: " + route + "\n";
  return out;
}

}  // namespace

TEST_CASE("route docs: path parameters are compared without their names", "[routes]") {
  CHECK(normalise("/api/api-keys/{id}/reset-usage") == "/api/api-keys/{}/reset-usage");
  CHECK(normalise("/api/api-keys/:id/reset-usage") == "/api/api-keys/{}/reset-usage");
  CHECK(normalise("/api/model-aliases/:alias") == "/api/model-aliases/{}");
  CHECK(normalise("/v1/chat/completions") == "/v1/chat/completions");
}

TEST_CASE("route docs: the README table and its parser", "[routes]") {
  const auto parsed = readme_routes("text\n| `GET` | `/api/logs/:id` | admin token |\n| 401 | `invalid_api_key` | other |\n| method | path | caller |\n");
  REQUIRE(parsed.size() == 1);
  CHECK(parsed.at("GET /api/logs/{}") == "admin token");
  // A route the docs lack, one they invent and a wrong caller are all named.
  const std::map<std::string, std::string> router = {{"GET /a", "anyone"}, {"POST /b", "admin token"}};
  CHECK(differences(router, {{"GET /a", "admin token"}, {"PUT /c", ""}}, true) ==
        "GET /a: the docs say \"admin token\", the router \"anyone\"\nmissing from the docs: POST /b\nnot a route: PUT /c\n");
  CHECK(differences(router, {{"GET /a", ""}, {"POST /b", ""}}, false).empty());
}

TEST_CASE("README's route table lists exactly the router's routes and who may call them", "[routes]") {
  const std::string readme = repo_file("README.md");
  REQUIRE_FALSE(readme.empty());
  const auto router = router_routes();
  REQUIRE(router.size() > 20);
  const std::string diff = differences(router, readme_routes(readme), true);
  INFO(diff);
  CHECK(diff.empty());
}

TEST_CASE("openapi.json lists exactly the router's routes", "[routes]") {
  const Json spec = parse_json(repo_file("dashboard/public/openapi.json"));
  REQUIRE(spec.is_object());
  const std::string diff = differences(router_routes(), openapi_routes(spec), false);
  INFO(diff);
  CHECK(diff.empty());
}

TEST_CASE("routes: API keys on /v1, the admin token on /api, no credential elsewhere; HEAD only beside GET", "[routes]") {
  for (const api::DeclaredRoute& r : api::declared_routes()) {
    INFO(r.path);
    // /api/config is public by design: the dashboard reads it before signing in, and it holds nothing secret.
    // Stripe's webhook has no caller to authenticate: its signature is checked by the route.
    const bool public_api = r.path == "/api/config" || r.path == "/api/webhooks/stripe";
    const Access expected = r.path.rfind("/v1/", 0) == 0 ? Access::api_key
                            : r.path.rfind("/api/", 0) == 0 && !public_api ? Access::admin
                                                                            : Access::anyone;
    CHECK(r.access == expected);
    const std::set<std::string> methods(r.methods.begin(), r.methods.end());
    CHECK(methods.size() == r.methods.size());
    if (methods.count("HEAD")) CHECK(methods.count("GET"));
  }
}

TEST_CASE("routes: the host learns the engine's paths from the table", "[routes]") {
  const Json paths = api::engine_paths();
  CHECK(paths["prefixes"] == Json::array({"/v1", "/api"}));
  CHECK(paths["paths"] == Json::array({"/health"}));
  // Every route is under a prefix or named in full: the host matches paths exactly.
  for (const api::DeclaredRoute& r : api::declared_routes()) {
    INFO(r.path);
    bool covered = false;
    for (const Json& p : paths["prefixes"]) covered = covered || r.path.rfind(p.get<std::string>() + "/", 0) == 0;
    for (const Json& p : paths["paths"]) covered = covered || r.path == p.get<std::string>();
    CHECK(covered);
  }
}

namespace {

struct Dispatch {
  const char* method;
  const char* path;
  const char* token;  // "" for none
  int status;
  const char* code;     // OpenAI's error.code, or Anthropic's error.type with `anthropic`
  const char* message;  // "" when any
  bool anthropic = false;
  const char* headers = "";  // request headers as JSON, "" for none
  const char* body = "";
};

constexpr const char* kAdmin = keyaos::testing::kAdminToken;
constexpr const char* kKey = "sk-keyaos-0123456789abcdef";
constexpr const char* kDeep =
    R"({"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})";

}  // namespace

// Each row is the first answer the engine gives: which refusals come before
// authentication (405 on single-operation routes, 404 off /v1 and /api) and
// which after (everything a resource's task decides, unknown /v1 and /api paths).
TEST_CASE("routes: dispatch from the table, refusals before and after auth", "[routes]") {
  const std::vector<Dispatch> rows = {
      {"GET", "/health", "", 200, "", ""},
      {"HEAD", "/health/", "", 200, "", ""},
      {"POST", "/health", "", 405, "method_not_allowed", "Use GET /health."},
      {"GET", "/nowhere", kAdmin, 404, "not_found", "No such route: GET /nowhere"},
      {"GET", "/v1x", "", 404, "not_found", "No such route: GET /v1x"},
      {"GET", "/v1/chat/completions", "", 405, "method_not_allowed", "Use POST /v1/chat/completions."},
      {"POST", "/v1/chat/completions", "", 401, "invalid_api_key", ""},
      {"GET", "/v1/messages", "", 405, "invalid_request_error", "Use POST /v1/messages.", true},
      {"POST", "/v1/messages", "", 401, "authentication_error", "", true},
      {"POST", "/v1/messages/count_tokens", kAdmin, 400, "invalid_request_error", "", true, "", kDeep},
      {"POST", "/v1/messages/count_tokens", "", 401, "authentication_error", "", true},
      {"GET", "/v1/messages/other", "", 401, "invalid_api_key", ""},
      {"GET", "/v1/responses", "", 405, "method_not_allowed", "Use POST /v1/responses."},
      {"PUT", "/v1/responses", "", 405, "method_not_allowed", "Use POST /v1/responses."},
      {"GET", "/v1/responses", "", 401, "invalid_api_key", "", false, R"({"upgrade":"websocket"})"},
      {"GET", "/v1/responses", kAdmin, 426, "websocket_not_supported", "", false, R"({"upgrade":"WebSocket"})"},
      {"DELETE", "/v1/responses/compact", kAdmin, 404, "not_found",
       "Remote compaction is not supported by this gateway: DELETE /v1/responses/compact."},
      {"GET", "/v1/responses/resp_1/input_items", kAdmin, 404, "not_found",
       "This gateway stores no responses: GET /v1/responses/resp_1/input_items does not exist."},
      {"GET", "/v1/responses/resp_1", "", 401, "invalid_api_key", ""},
      {"POST", "/v1/models", "", 405, "method_not_allowed", "Use GET /v1/models."},
      {"GET", "/v1/embeddings", "", 405, "method_not_allowed", "Use POST /v1/embeddings."},
      {"POST", "/v1/embeddings", kAdmin, 400, "json_too_deep", "", false, "", kDeep},
      {"GET", "/v1", "", 401, "invalid_api_key", ""},
      {"GET", "/v1/unknown", kAdmin, 404, "not_found", "No such route: GET /v1/unknown"},
      {"GET", "/api", kAdmin, 404, "not_found", "No such route: GET /api"},
      {"DELETE", "/api/credentials", "", 401, "invalid_api_key", ""},
      {"DELETE", "/api/credentials", kAdmin, 405, "method_not_allowed", "Use GET or POST on /api/credentials."},
      {"PUT", "/api/credentials/cred_1", kAdmin, 405, "method_not_allowed", "Use GET, PATCH or DELETE on /api/credentials/{id}."},
      {"GET", "/api/credentials/a/b", kAdmin, 404, "not_found", "No such route: /api/credentials/a/b"},
      {"GET", "/api/api-keys/key_1/reset-usage", kAdmin, 404, "not_found", "No such route: GET /api/api-keys/key_1/reset-usage"},
      {"PUT", "/api/api-keys", kAdmin, 405, "method_not_allowed", "Use GET or POST on /api/api-keys."},
      {"POST", "/api/providers/a/b", kAdmin, 404, "not_found", "No such route: /api/providers/a/b"},
      {"PATCH", "/api/model-aliases", kAdmin, 405, "method_not_allowed",
       "Use GET on /api/model-aliases, PUT or DELETE on /api/model-aliases/{alias}."},
      {"POST", "/api/usage", "", 405, "method_not_allowed", "Use GET /api/usage."},
      {"POST", "/api/logs/req_1", "", 405, "method_not_allowed", "Use GET /api/logs/req_1."},
      {"GET", "/api/catalog/sync", "", 405, "method_not_allowed", "Use POST /api/catalog/sync."},
      {"GET", "/api/usage", kKey, 401, "invalid_api_key", "API keys work on /v1 only; the management API needs the admin token."},
      {"GET", "/api/usage", "", 401, "invalid_api_key", ""},
  };
  keyaos::testing::FakeHost host;
  for (const Dispatch& row : rows) {
    INFO(row.method << " " << row.path << (*row.token ? " with a token" : ""));
    Json headers = *row.headers ? parse_json(row.headers) : Json::object();
    if (*row.token) headers["authorization"] = std::string("Bearer ") + row.token;
    const uint32_t h = host.engine.open();
    const Action a = host.engine.step(h, FakeHost::event({{"type", "request"}, {"method", row.method}, {"path", row.path}, {"query", ""},
                                                          {"headers", headers}, {"now", 1000}, {"nonce", std::string(32, 'a')}}),
                                      row.body);
    host.engine.close(h);
    REQUIRE(str_field(a.head, "type") == "respond");
    CHECK(int_field(a.head, "status") == row.status);
    if (row.status == 200) continue;
    const Json body = parse_json(a.payload);
    const Json& error = body["error"];
    if (row.anthropic) {
      CHECK(str_field(body, "type") == "error");
      CHECK(str_field(error, "type") == row.code);
    } else {
      CHECK(str_field(error, "code") == row.code);
    }
    if (*row.message) CHECK(str_field(error, "message") == row.message);
    if (row.status == 426) CHECK(str_field(a.head["headers"], "upgrade") == "HTTP/1.1");
  }
}
