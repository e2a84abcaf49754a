#pragma once
#include <cstdint>
#include <string>

#include "billing/ledger.h"
#include "core/io.h"
#include "store/sql.h"

// Platform mode's money: `wallet_entries` (the ledger; a trigger keeps
// `wallets.balance_nusd` equal to the sum of an owner's entries) and
// `wallet_reservations` (what shared-pool requests in flight may cost).
namespace keyaos::store::wallet {

Statement balance(const std::string& owner_id);

// ---- admission to the shared pool --------------------------------------------
// Reservations older than `before_ms` belong to requests that never settled.
Statement expire_reservations(const std::string& owner_id, int64_t before_ms);
// Reserves `amount_nusd` for a request only while the balance minus the
// reservations in flight is positive, in one atomic statement; returns the
// request id when it did.
Statement reserve(const std::string& owner_id, const std::string& request_id, int64_t amount_nusd, int64_t now_ms);
Statement release_reservation(const std::string& request_id);

// ---- settlement (billing/ledger.h puts these in the request's batch) -----------
// Both act only while the request's log row is absent, like every balance
// update of the batch, and their entry ids are unique per request: a replay
// moves nothing.
Statement spend(const billing::RequestRecord& request, int64_t amount_nusd);
Statement earn(const billing::RequestRecord& request, int64_t amount_nusd);

// The owner a statement of a background batch debits: the consumer of a
// `wallet.spend` (as built above), else empty.
std::string spender_of(const Json& statement);

// ---- views -------------------------------------------------------------------------
// Per credential of the owner, what it earned.
Statement earnings_by_credential(const std::string& owner_id);
Statement earnings_since(const std::string& owner_id, int64_t since_ms);
// The owner's entries newest first (optionally of one kind), each with the
// reason of the grant or revoke it records (credit_adjustments).
Statement transactions(const std::string& owner_id, const std::string& kind, const PagePosition& after, int64_t limit);

}  // namespace keyaos::store::wallet
