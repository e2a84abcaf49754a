#pragma once
// Stripe's wire formats, without I/O: the form encoding its API takes, the
// Stripe-Signature header of webhooks and the decision on it, and the few
// fields of an event the gateway acts on. Tested in tests/unit/payments_test.cpp.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace keyaos::payments {

// 1 cent = 10,000,000 nano-USD.
inline constexpr int64_t kNusdPerCent = 10'000'000;

// application/x-www-form-urlencoded: every byte but A-Z a-z 0-9 - . _ * is
// %XX (upper-case hex), a space is '+'. Keys keep their brackets encoded
// (`metadata%5Bowner_id%5D`), which Stripe reads as nested fields.
std::string form_escape(const std::string& text);
using Form = std::vector<std::pair<std::string, std::string>>;
std::string form_encode(const Form& fields);

// Stripe-Signature: `t=<unix seconds>,v1=<hex>[,v1=<hex>...]` (other schemes,
// e.g. v0, are ignored). False when there is no usable t or no v1.
struct SignatureHeader {
  int64_t timestamp = 0;
  std::vector<std::string> v1;  // lower-case hex, as sent
};
bool parse_signature_header(const std::string& header, SignatureHeader& out);

// How far a webhook's timestamp may be from now.
inline constexpr int64_t kSignatureToleranceSeconds = 300;

// The text whose HMAC-SHA256 under the webhook secret Stripe signs.
std::string signed_payload(int64_t timestamp, const std::string& body);

enum class SignatureVerdict { ok, malformed, stale, mismatch };
// `expected_hex` is our HMAC of signed_payload(); every v1 is compared with it
// in constant time (a secret being rolled makes Stripe send two).
SignatureVerdict verify_signature(const SignatureHeader& header, const std::string& expected_hex, int64_t now_ms);
const char* verdict_message(SignatureVerdict verdict);

bool constant_time_hex_equals(const std::string& a, const std::string& b);

// The parts of an event the gateway acts on.
struct StripeEvent {
  std::string id;
  std::string type;
  std::string object_id;       // data.object.id: a Checkout Session or a PaymentIntent
  std::string payment_id;      // metadata[payment_id] (else a session's client_reference_id)
  std::string owner_id;        // metadata[owner_id]
  std::string metadata_type;   // metadata[type]: "auto_topup" on our off-session charges
  std::string payment_status;  // a session's payment_status ("paid", "unpaid", "no_payment_required")
  std::string payment_intent;  // a session's payment_intent id
  std::string customer;        // the object's customer id
};
// False when the body is not an event (no id, type or data.object).
bool parse_event(const std::string& body, StripeEvent& out);

// What an event asks of the gateway.
enum class EventAction { ignore, complete_checkout, expire_checkout, complete_auto_topup };
EventAction event_action(const StripeEvent& event);

// A Stripe error body {error:{type, code, message}}: its message (or a
// fallback naming the status), never more than 300 bytes.
std::string stripe_error_message(int status, const std::string& body);
// Anything shaped like a Stripe key (sk_, rk_, whsec_) replaced by [redacted].
std::string redact_keys(std::string text);
std::string stripe_error_code(const std::string& body);

}  // namespace keyaos::payments
