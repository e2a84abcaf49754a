#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

namespace keyaos::api {

// The catalogue sync. Fetches the model lists of the providers that publish
// one (built-in definitions with models.sync, custom providers with a
// models_url), prices them from the references, writes them to the
// catalogue behind the shrink guard, and refreshes auto-quota balances.
// Work is spread over invocations: each run takes the most overdue providers
// that fit one free-plan invocation, and meta `sync:<provider>` records each
// provider's last attempt.

// The cron trigger: syncs the providers not synced for the last 50 minutes;
// ends with `done`.
std::unique_ptr<Task> make_scheduled_sync_task(Gateway& gateway, const Event& scheduled);

// POST /api/catalog/sync[?provider=<id>]: syncs now, whether due or not
// (one provider, or as many as fit), and answers with what happened.
std::unique_ptr<Task> make_sync_request_task(Gateway& gateway, HttpRequest request, Caller caller);

}  // namespace keyaos::api
