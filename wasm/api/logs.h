#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

// GET /api/logs (paginated, filtered) and GET /api/logs/{id} (with attempts).
std::unique_ptr<Task> make_logs_task(Gateway& gateway, HttpRequest request, Caller caller);

// A request_logs row as the API shows it (money in USD). `platform_viewer`
// (Platform mode: the owner looking) adds the row's direction for them
// (spent, earned, self) and its net credits, and hides the other side: a
// consumer never sees whose credential served them, a contributor never
// which key (or who) asked.
Json log_json(const Json& row, const std::string& platform_viewer = {});

}  // namespace keyaos::api
