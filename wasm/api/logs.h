#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

// GET /api/logs (paginated, filtered) and GET /api/logs/{id} (with attempts).
std::unique_ptr<Task> make_logs_task(Gateway& gateway, HttpRequest request, Caller caller);

// A request_logs row as the API shows it (money in USD).
Json log_json(const Json& row);

}  // namespace keyaos::api
