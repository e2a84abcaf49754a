#pragma once
#include <memory>
#include <string>
#include <vector>

#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// Either an immediate answer or a task that needs I/O to produce one.
struct Routed {
  std::unique_ptr<Task> task;
  Action immediate;
};

Routed route(Gateway& gateway, HttpRequest request);

// Who may call a route.
enum class Access {
  anyone,   // no credential
  api_key,  // a Keyaos API key or the admin token
  admin,    // the admin token only
};

// A route as the router's table declares it: its methods, its path with
// parameters as `{name}`, and who may call it. What the docs must list.
struct DeclaredRoute {
  std::vector<std::string> methods;
  std::string path;
  Access access;
};
std::vector<DeclaredRoute> declared_routes();

// The paths the engine answers, for the host to tell them from the dashboard's
// assets: {"prefixes": ["/v1", ...], "paths": ["/health", ...]}. A prefix
// covers itself and everything under it.
Json engine_paths();

}  // namespace keyaos::api
