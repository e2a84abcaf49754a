#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

// GET /api/usage?days=N: requests, tokens, cost and savings, in total and
// grouped by day (UTC), model and provider.
std::unique_ptr<Task> make_usage_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
