#pragma once
#include <cstdint>
#include <string>

namespace keyaos {

// What kind of failure an upstream answer is. The routing engine decides
// failover and credential health from this class alone.
enum class ErrorClass {
  none,
  rate_limited,    // 429 or RPC RESOURCE_EXHAUSTED (per-minute): cool credential x model down
  quota_exhausted, // daily/monthly quota gone: cool down until the reset time
  auth,            // the key itself is invalid or revoked: credential dead until it validates again
  payment,         // the account is out of money: whole credential cools down until its balance is refreshed
  unaffordable,    // the balance cannot cover *this* request (its max_tokens): next candidate, key unharmed
  forbidden,       // this key may not serve this model or region: next candidate, the pair cools down
  server,          // 5xx, overloaded, capacity: next candidate
  timeout,         // no headers / first token / idle gap in time: next candidate
  network,         // connection refused or reset: next candidate
  stream,          // malformed or cut stream before content: next candidate
  bad_request,     // 400/404/413/422: no failover, the client's error goes back
  context_length,  // prompt too long for the model: no failover
  content_policy,  // refused by moderation: no failover
};

const char* error_class_name(ErrorClass c);
// True when another candidate may succeed where this one failed.
bool error_class_fails_over(ErrorClass c);

// What an error of this class does to the credential that received it.
enum class HealthEffect {
  none,      // about the request, not the key (client errors, moderation, affordability)
  cooldown,  // the credential x model (or, for payment, the whole credential) rests for a while
  dead,      // the key is invalid: out of rotation until it validates again
};
HealthEffect health_effect(ErrorClass c);

// An upstream failure as the gateway understands it.
struct UpstreamError {
  ErrorClass error_class = ErrorClass::none;
  int http_status = 0;          // status to report to the client
  std::string message;          // upstream message, for the client and the log
  std::string type;             // OpenAI error type to report
  std::string code;             // upstream code, when it has one
  int64_t retry_after_ms = -1;  // from Retry-After / RetryInfo; -1 when unknown
};

// An upstream error as a /v1 client may see it: nothing about the credential
// (its account, key or why it was refused). The full text stays in the logs
// and in the credential's dead_reason, both under /api.
UpstreamError client_view(UpstreamError e);

}  // namespace keyaos
