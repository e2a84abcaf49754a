#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// POST /v1/embeddings: rank the model's embedding offerings by cost, try,
// fail over, normalise the answer (index order, float or base64), bill.
std::unique_ptr<Task> make_embeddings_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
