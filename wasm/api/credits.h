#pragma once
#include <cstdint>
#include <memory>
#include <optional>

#include "api/caller.h"
#include "api/http.h"
#include "core/gateway.h"
#include "core/task.h"

// Platform mode's money views for the signed-in owner:
//   GET  /api/credits/balance -> {balance_usd, balance_nusd}
//   GET  /api/credits/transactions?limit&cursor&kind -> the owner's ledger, newest first
//   POST /api/credits/redeem {code} -> {amount_usd, amount_nusd, balance_usd, balance_nusd}
// In Core mode these routes do not exist (404, after auth like any unknown route).
namespace keyaos::api {

std::unique_ptr<Task> make_credits_api_task(Gateway& gateway, HttpRequest request, Caller caller);

// The ledger's entry kinds; a human label for an entry of one (`reason`: a
// grant's or revoke's, may be empty).
bool known_entry_kind(const std::string& kind);
std::string entry_description(const std::string& kind, const std::string& reason);

// A redeem's failed attempts an owner may make in an hour; the next one is
// refused with 429 too_many_attempts, without trying the code.
inline constexpr int64_t kRedeemFailuresPerHour = 20;

// Shared by the Platform routes.
// The 404 an unknown route gets, for a route that does not exist in this mode.
Action no_such_route_response(const HttpRequest& request);
// {amount_usd, amount_nusd}-style fields: `<prefix>_usd` and `<prefix>_nusd`.
void put_money(Json& out, const std::string& prefix, int64_t nusd);
inline constexpr int64_t kNusdPerCent = 10'000'000;
// The client's body as a JSON object of at most `max_bytes`, or the refusal.
std::optional<ApiError> json_object_body(const HttpRequest& request, size_t max_bytes, Json& out);
// An integer field in [min, max] (a JSON integer, not 1.0 or "1"), or the refusal.
std::optional<ApiError> integer_field(const Json& body, const char* name, int64_t min, int64_t max, bool required, int64_t& out);

}  // namespace keyaos::api
