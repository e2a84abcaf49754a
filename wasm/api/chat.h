#pragma once
#include <memory>
#include <string>

#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

struct Caller {
  std::string owner_id;
  std::string api_key_id;  // empty for the admin token
};

// POST /v1/chat/completions: rank, try, fail over, stream, bill.
std::unique_ptr<Task> make_chat_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
