#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// /api/providers: GET lists the built-in and the caller's custom providers
// (credential guide, model count, last sync); GET /:id shows one.
// Custom OpenAI-compatible providers: POST creates one, PATCH /:id changes
// it, DELETE /:id removes it (refused while credentials use it). Admin only.
std::unique_ptr<Task> make_providers_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
