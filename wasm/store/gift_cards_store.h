#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/io.h"
#include "store/sql.h"

// Platform mode: gift cards (migrations/0010_gift_cards.sql) and the redeem
// attempt limit. The operator's statements (insert, list) read and write
// every owner's cards: the console is the operator's by design.
namespace keyaos::store::gift_cards {

// ---- redeem: one batch, in this order ---------------------------------------------
// The owner's failed attempts older than `since_ms` go (so the table holds
// at most `limit` rows per owner); then their count since then (before this attempt).
Statement prune_failures(const std::string& owner_id, int64_t since_ms);
Statement failures(const std::string& owner_id, int64_t since_ms);
// Marks the card redeemed by the owner at `now_ms`, only while it is not
// redeemed and the owner is under the attempt limit; returns {id, amount_cents}.
Statement claim(const std::string& owner_id, const std::string& code_sha256, int64_t now_ms, int64_t since_ms, int64_t limit);
// The entry gift_card:<card id>, only when the card is now redeemed by this
// owner at this stamp (the claim above won); its id makes a replay a no-op.
Statement credit(const std::string& owner_id, const std::string& code_sha256, int64_t now_ms);
// One failure row when the claim did not win, unless the owner is at the limit.
Statement record_failure(const std::string& owner_id, const std::string& code_sha256, int64_t now_ms, int64_t since_ms, int64_t limit);

// ---- the operator's batches -----------------------------------------------------------
struct NewCard {
  std::string id;
  std::string code_sha256;
  std::string hint;
};
// The cards as INSERTs of at most kRowsPerInsert rows each (D1 binds at most
// 100 parameters per statement).
inline constexpr size_t kRowsPerInsert = 30;
std::vector<Statement> insert(const std::vector<NewCard>& cards, const std::string& batch_id, int64_t amount_cents,
                              const std::string& note, const std::string& created_by, int64_t now_ms);
// Newest first, optionally one batch's.
Statement list(const std::string& batch_id, const PagePosition& after, int64_t limit);

}  // namespace keyaos::store::gift_cards
