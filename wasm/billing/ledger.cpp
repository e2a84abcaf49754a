#include "billing/ledger.h"

#include "store/ledger_store.h"
#include "store/wallet_store.h"

namespace keyaos::billing {
namespace {
// A request whose one attempt succeeded plainly (no note) keeps that attempt
// on its own row (attempt_offset_ms), which saves the attempt row and its
// key: D1 counts both as rows written. Only when every field of the attempt
// follows from the request's row, so the request_attempts view is exact.
bool folds(const RequestRecord& r, const std::vector<AttemptRecord>& attempts) {
  if (!r.ok || attempts.size() != 1) return false;
  const AttemptRecord& a = attempts[0];
  const int64_t offset = a.started_at - r.created_at;
  return a.ok && a.error_class.empty() && a.error_message.empty() && a.http_status == r.http_status &&
         a.provider_id == r.provider_id && a.credential_id == r.credential_id && a.model_id == r.model_id && offset >= 0 &&
         a.latency_ms == r.latency_ms - offset &&
         (a.first_byte_ms < 0 ? r.first_byte_ms < 0 : r.first_byte_ms >= 0 && a.first_byte_ms == r.first_byte_ms - offset);
}
}  // namespace

std::string request_id(int64_t started_ms, const std::string& nonce) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "req_";
  for (int shift = 44; shift >= 0; shift -= 4) out.push_back(kHex[(static_cast<uint64_t>(started_ms) >> shift) & 15]);
  return out + "-" + nonce;
}

bool request_id_start(const std::string& id, int64_t& started_ms) {
  if (id.size() < 17 || id.compare(0, 4, "req_") != 0 || id[16] != '-') return false;
  uint64_t v = 0;
  for (size_t i = 4; i < 16; ++i) {
    const char c = id[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  started_ms = static_cast<int64_t>(v);
  return true;
}

std::vector<Statement> ledger_statements(const RequestRecord& r, const std::vector<AttemptRecord>& attempts) {
  std::vector<Statement> out;
  const bool billed = r.ok;
  // The batch is one D1 transaction, and it may run twice (a write that
  // committed but whose answer was lost is retried). The balance updates come
  // first and act only while this request's log row does not exist yet; the
  // row is inserted last, so a replay finds it and changes nothing.
  if (billed && !r.credential_id.empty()) out.push_back(store::ledger::charge_credential(r));
  if (!r.api_key_id.empty()) {
    out.push_back(store::ledger::charge_api_key(r, billed ? r.cost.effective : 0));
    out.push_back(store::ledger::release_reservation(r.id));
  }
  if (billed && r.settlement.moves() && !r.credential_owner_id.empty()) {
    out.push_back(store::wallet::spend(r, r.settlement.consumer_charged));
    out.push_back(store::wallet::earn(r, r.settlement.provider_earned));
  }
  if (r.wallet_reserved) out.push_back(store::wallet::release_reservation(r.id));
  const bool folded = folds(r, attempts);
  if (!folded)
    for (auto& s : store::ledger::insert_attempts(r, attempts)) out.push_back(std::move(s));
  out.push_back(store::ledger::insert_log(r, static_cast<int64_t>(attempts.size()),
                                          folded ? std::optional<int64_t>(attempts[0].started_at - r.created_at) : std::nullopt));
  return out;
}

}  // namespace keyaos::billing
