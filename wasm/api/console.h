#pragma once
#include <memory>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

// The operator console, /api/admin/* (Platform mode, the operator's session
// only: PLATFORM_OWNER_ID). Without Platform mode or PLATFORM_OWNER_ID these
// routes do not exist (404 "No such route"); another signed-in user gets 403.
//   GET  /api/admin/overview     KPIs from the ledger and the request log
//   GET  /api/admin/users        wallets with what each topped up, spent, earned
//   GET  /api/admin/activity     requests, tokens and charges over time (hours <= 168)
//   POST /api/admin/credits      grant (amount_cents > 0) or revoke (< 0) credits, with a reason
//   GET  /api/admin/adjustments  the grants and revokes, newest first
//   POST /api/admin/gift-cards   a batch of 1..500 codes, shown only in this answer
//   GET  /api/admin/gift-cards   the cards (one batch with batch_id), newest first
//   POST /api/admin/sync         the catalogue sync, now (as POST /api/catalog/sync)
namespace keyaos::api {

std::unique_ptr<Task> make_console_task(Gateway& gateway, HttpRequest request, Caller caller);

// The activity chart's bucket for a window of `hours`: 5 minutes up to a
// day, 30 minutes up to three days, else 2 hours.
int64_t activity_bucket_minutes(int64_t hours);

}  // namespace keyaos::api
