#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

// GET /api/route?model=…[&max_tokens=…&prompt_tokens=…]: the ranking a request
// for that model would get, every candidate with its price, multiplier,
// expected cost and health, and why any was skipped. Changes nothing.
std::unique_ptr<Task> make_route_explain_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
