#pragma once
#include <memory>

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

}  // namespace keyaos::api
