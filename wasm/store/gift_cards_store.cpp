#include "store/gift_cards_store.h"

namespace keyaos::store::gift_cards {
namespace {
const char* kFailuresSince = "(SELECT COUNT(*) FROM gift_card_redeem_failures WHERE owner_id = ?1 AND at >= ?4)";
}  // namespace

Statement prune_failures(const std::string& owner_id, int64_t since_ms) {
  return statement("gift_cards.prune_failures", "DELETE FROM gift_card_redeem_failures WHERE owner_id = ? AND at < ?",
                   Json::array({owner_id, since_ms}));
}

Statement failures(const std::string& owner_id, int64_t since_ms) {
  return statement("gift_cards.failures", "SELECT COUNT(*) AS n FROM gift_card_redeem_failures WHERE owner_id = ? AND at >= ?",
                   Json::array({owner_id, since_ms}));
}

Statement claim(const std::string& owner_id, const std::string& code_sha256, int64_t now_ms, int64_t since_ms, int64_t limit) {
  return statement("gift_cards.claim",
                   std::string("UPDATE gift_cards SET redeemed_by = ?1, redeemed_at = ?2 WHERE code_sha256 = ?3 AND redeemed_by IS NULL "
                               "AND ") + kFailuresSince + " < ?5 RETURNING id, amount_cents",
                   Json::array({owner_id, now_ms, code_sha256, since_ms, limit}));
}

Statement credit(const std::string& owner_id, const std::string& code_sha256, int64_t now_ms) {
  return statement("gift_cards.credit",
                   "INSERT OR IGNORE INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) SELECT 'gift_card:' || g.id, ?1, "
                   "'gift_card', g.amount_cents * 10000000, ?2 FROM gift_cards g WHERE g.code_sha256 = ?3 AND g.redeemed_by = ?1 AND "
                   "g.redeemed_at = ?2",
                   Json::array({owner_id, now_ms, code_sha256}));
}

Statement record_failure(const std::string& owner_id, const std::string& code_sha256, int64_t now_ms, int64_t since_ms, int64_t limit) {
  return statement("gift_cards.record_failure",
                   std::string("INSERT INTO gift_card_redeem_failures (owner_id, at) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM "
                               "gift_cards WHERE code_sha256 = ?3 AND redeemed_by = ?1 AND redeemed_at = ?2) AND ") +
                       kFailuresSince + " < ?5",
                   Json::array({owner_id, now_ms, code_sha256, since_ms, limit}));
}

std::vector<Statement> insert(const std::vector<NewCard>& cards, const std::string& batch_id, int64_t amount_cents,
                              const std::string& note, const std::string& created_by, int64_t now_ms) {
  std::vector<Statement> out;
  for (size_t from = 0; from < cards.size(); from += kRowsPerInsert) {
    // ?1..?5 are the batch's; each card binds three more.
    Statement s = statement("gift_cards.insert",
                            "INSERT INTO gift_cards (id, batch_id, code_sha256, hint, amount_cents, note, created_by, created_at) VALUES ",
                            Json::array({batch_id, amount_cents, note.empty() ? Json(nullptr) : Json(note), created_by, now_ms}));
    for (size_t i = from; i < cards.size() && i - from < kRowsPerInsert; ++i) {
      const size_t p = s.params.size() + 1;
      if (i > from) s.sql += ", ";
      s.sql += "(?" + std::to_string(p) + ", ?1, ?" + std::to_string(p + 1) + ", ?" + std::to_string(p + 2) + ", ?2, ?3, ?4, ?5)";
      s.params.push_back(cards[i].id);
      s.params.push_back(cards[i].code_sha256);
      s.params.push_back(cards[i].hint);
    }
    out.push_back(std::move(s));
  }
  return out;
}

Statement list(const std::string& batch_id, const PagePosition& after, int64_t limit) {
  Statement s = statement("gift_cards.list",
                          "SELECT id, batch_id, hint, amount_cents, note, created_by, created_at, redeemed_by, redeemed_at FROM gift_cards WHERE "
                          "1 = 1");
  if (!batch_id.empty()) {
    s.sql += " AND batch_id = ?";
    s.params.push_back(batch_id);
  }
  append_newest_first_page(s, after, limit);
  return s;
}

}  // namespace keyaos::store::gift_cards
