#include "store/wallet_store.h"

#include "store/sql.h"

namespace keyaos::store::wallet {
namespace {

// The request's log row by the log table's whole key (owner ?2, start ?3, id ?1).
const char* kUnlogged = " WHERE NOT EXISTS (SELECT 1 FROM request_logs WHERE owner_id = ?2 AND created_at = ?3 AND id = ?1)";

Statement entry(const char* name, const char* kind, const billing::RequestRecord& r, const std::string& owner_id,
                int64_t amount_nusd, const std::string& credential_id) {
  return statement(name,
                   std::string("INSERT OR IGNORE INTO wallet_entries (id, owner_id, kind, amount_nusd, request_id, credential_id, "
                               "created_at) SELECT ?1 || ':") + kind + "', ?4, '" + kind + "', ?5, ?1, ?6, ?3" + kUnlogged,
                   Json::array({r.id, r.owner_id, r.created_at, owner_id, amount_nusd,
                                credential_id.empty() ? Json(nullptr) : Json(credential_id)}));
}

}  // namespace

Statement balance(const std::string& owner_id) {
  return statement("wallet.balance", "SELECT balance_nusd FROM wallets WHERE owner_id = ?", Json::array({owner_id}));
}

Statement expire_reservations(const std::string& owner_id, int64_t before_ms) {
  return statement("wallet.expire_reservations", "DELETE FROM wallet_reservations WHERE owner_id = ? AND created_at < ?",
                   Json::array({owner_id, before_ms}));
}

Statement reserve(const std::string& owner_id, const std::string& request_id, int64_t amount_nusd, int64_t now_ms) {
  return statement("wallet.reserve",
                   "INSERT INTO wallet_reservations (request_id, owner_id, amount_nusd, created_at) SELECT ?1, ?2, ?3, ?4 "
                   "WHERE COALESCE((SELECT balance_nusd FROM wallets WHERE owner_id = ?2), 0) - (SELECT "
                   "COALESCE(SUM(amount_nusd), 0) FROM wallet_reservations WHERE owner_id = ?2) > 0 RETURNING request_id",
                   Json::array({request_id, owner_id, amount_nusd, now_ms}));
}

Statement release_reservation(const std::string& request_id) {
  return statement("wallet.release_reservation", "DELETE FROM wallet_reservations WHERE request_id = ?", Json::array({request_id}));
}

Statement spend(const billing::RequestRecord& r, int64_t amount_nusd) {
  return entry("wallet.spend", "spend", r, r.owner_id, -amount_nusd, "");
}

Statement earn(const billing::RequestRecord& r, int64_t amount_nusd) {
  return entry("wallet.earn", "earn", r, r.credential_owner_id, amount_nusd, r.credential_id);
}

std::string spender_of(const Json& s) {
  if (str_field(s, "name") != "wallet.spend") return {};
  const Json* params = field(s, "params");
  return params && params->is_array() && params->size() > 3 && (*params)[3].is_string() ? (*params)[3].get<std::string>() : std::string();
}

Statement earnings_by_credential(const std::string& owner_id) {
  return statement("wallet.earnings_by_credential",
                   "SELECT credential_id, SUM(amount_nusd) AS earned_nusd FROM wallet_entries WHERE owner_id = ? AND "
                   "kind = 'earn' GROUP BY credential_id",
                   Json::array({owner_id}));
}

Statement earnings_since(const std::string& owner_id, int64_t since_ms) {
  return statement("wallet.earnings_since",
                   "SELECT COALESCE(SUM(amount_nusd), 0) AS earned_nusd FROM wallet_entries WHERE owner_id = ? AND "
                   "created_at >= ? AND kind = 'earn'",
                   Json::array({owner_id, since_ms}));
}

Statement transactions(const std::string& owner_id, const std::string& kind, const PagePosition& after, int64_t limit) {
  Statement s = statement("wallet.transactions",
                          "SELECT e.id, e.kind, e.amount_nusd, e.created_at, e.request_id, e.credential_id, a.reason FROM wallet_entries e "
                          "LEFT JOIN credit_adjustments a ON e.kind IN ('grant', 'revoke') AND a.id = substr(e.id, instr(e.id, ':') + 1) "
                          "AND a.owner_id = e.owner_id WHERE e.owner_id = ?",
                          Json::array({owner_id}));
  if (!kind.empty()) {
    s.sql += " AND e.kind = ?";
    s.params.push_back(kind);
  }
  append_newest_first_page(s, after, limit, "e.");
  return s;
}

}  // namespace keyaos::store::wallet
