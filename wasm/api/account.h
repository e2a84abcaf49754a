#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// GET /api/config, no auth: which mode the gateway runs in, and (Platform)
// the Clerk publishable key the dashboard signs in with. Nothing secret.
Action gateway_config_response(const Gateway& gateway);

// GET /api/me: {owner_id, is_admin}. In Platform mode owner_id is the Clerk
// user id and is_admin says whether it is the operator (PLATFORM_OWNER_ID).
std::unique_ptr<Task> make_me_task(Gateway& gateway, HttpRequest request, Caller caller);

// GET /v1/credits: {"data": {"balance", "balance_nusd"}}, the caller's wallet
// (0 in Core mode, which has none).
std::unique_ptr<Task> make_credits_task(Gateway& gateway, HttpRequest request, Caller caller);

// GET /api/pool/stats: the shared pool's healthy credentials, the caller's
// earnings and calls in the last 24 hours.
std::unique_ptr<Task> make_pool_stats_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
