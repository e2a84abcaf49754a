#pragma once
#include <memory>

#include "api/chat.h"

namespace keyaos::api {

// GET /v1/models: the OpenAI list shape, with each model's best price.
std::unique_ptr<Task> make_models_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
