#pragma once
#include <memory>
#include <string>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// POST /v1/chat/completions: rank, try, fail over, stream, bill.
std::unique_ptr<Task> make_chat_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
