#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "billing/cost.h"
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
// attempts, (when billed) the credential's quota and spend, and the API key's
// usage in place of its reservation. The batch is idempotent: the balance
// updates act only while the log row (keyed by the request id, inserted last)
// is absent, so running it again changes nothing.
std::vector<Statement> ledger_statements(const RequestRecord& request, const std::vector<AttemptRecord>& attempts);

}  // namespace keyaos::billing
