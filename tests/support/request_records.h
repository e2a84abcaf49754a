#pragma once
// Ledger records for tests of the statements billing writes.
#include <string>

#include "billing/ledger.h"

namespace keyaos::testing {

// A successful request through one key and one credential, as the ledger
// records it; a test changes the fields it examines.
inline billing::RequestRecord billed_request(std::string owner_id, int64_t cost_nusd) {
  billing::RequestRecord r;
  r.id = "req_0000000003e8-aaaa";
  r.owner_id = std::move(owner_id);
  r.api_key_id = "key_1";
  r.credential_id = "cred_1";
  r.model_id = "openai/gpt-4o-mini";
  r.ok = true;
  r.http_status = 200;
  r.cost.effective = cost_nusd;
  r.created_at = 1000;
  return r;
}

}  // namespace keyaos::testing
