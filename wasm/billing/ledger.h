#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "billing/cost.h"
#include "billing/settlement.h"
#include "core/io.h"
#include "protocols/common/usage.h"

namespace keyaos::billing {

// One upstream attempt of a request, billed or not.
struct AttemptRecord {
  std::string provider_id;
  std::string credential_id;
  std::string model_id;
  bool ok = false;
  int http_status = 0;
  std::string error_class;
  std::string error_message;
  int64_t latency_ms = 0;
  int64_t first_byte_ms = -1;
  int64_t started_at = 0;
};

// The one row a client request leaves behind.
struct RequestRecord {
  std::string id;
  std::string owner_id;
  std::string api_key_id;
  std::string model_id;
  std::string served_model;
  std::string provider_id;
  std::string credential_id;
  // Platform mode: the credential's owner when it is not the consumer
  // (empty for self-use), and what that moves between their wallets.
  std::string credential_owner_id;
  Settlement settlement;
  bool wallet_reserved = false;  // a shared-pool reservation to release
  bool ok = false;
  int http_status = 0;
  std::string error_class;
  std::string error_message;
  bool stream = false;
  std::string api = "chat";  // the inbound API: chat, messages, responses
  Usage usage;
  Cost cost;  // zero unless ok
  bool client_aborted = false;
  int64_t latency_ms = 0;
  int64_t first_byte_ms = -1;
  int64_t created_at = 0;
};

// Every write a finished request causes, as one batch: its log row, its
// attempts, (when billed) the credential's quota and spend, the API key's
// usage in place of its reservation, and (a shared-pool request) the
// consumer's spend and the contributor's earning in place of the wallet's
// reservation. The batch is idempotent: the balance
// updates act only while the log row (keyed by the request id, inserted last)
// is absent, so running it again changes nothing.
std::vector<Statement> ledger_statements(const RequestRecord& request, const std::vector<AttemptRecord>& attempts);

// A request id carries its start: req_<12 hex digits of the ms>-<nonce>. The
// log table is keyed by (owner, start, id), so the start finds a row by id.
std::string request_id(int64_t started_ms, const std::string& nonce);
// The start in an id of that form; false for any other id (older rows).
bool request_id_start(const std::string& id, int64_t& started_ms);

}  // namespace keyaos::billing
