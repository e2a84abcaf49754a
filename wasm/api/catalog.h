#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// GET /api/catalog[?provider=<id>][&model=<id>]: every offering, active or
// not, with its prices (USD per 1M tokens), context length, modalities,
// source and refresh time. `model` matches the canonical or the bare id.
std::unique_ptr<Task> make_catalog_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
