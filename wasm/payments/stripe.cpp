#include "payments/stripe.h"

#include <cctype>

namespace keyaos::payments {

std::string form_escape(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') out.push_back(static_cast<char>(c));
    else if (c == ' ') out.push_back('+');
    else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string form_encode(const Form& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    out += form_escape(k);
    out.push_back('=');
    out += form_escape(v);
  }
  return out;
}

bool parse_signature_header(const std::string& header, SignatureHeader& out) {
  out = {};
  if (header.size() > 4096) return false;
  bool have_t = false;
  for (size_t start = 0; start <= header.size();) {
    size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    const size_t eq = part.find('=');
    if (eq != std::string::npos) {
      const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
      if (key == "t") {
        if (value.empty() || value.size() > 12) return false;
        int64_t t = 0;
        for (char c : value) {
          if (c < '0' || c > '9') return false;
          t = t * 10 + (c - '0');
        }
        if (have_t) return false;  // two timestamps: which one was signed?
        out.timestamp = t;
        have_t = true;
      } else if (key == "v1" && !value.empty() && value.size() <= 128 && out.v1.size() < 8) {
        out.v1.push_back(value);
      }
    }
    start = end + 1;
  }
  return have_t && !out.v1.empty();
}

std::string signed_payload(int64_t timestamp, const std::string& body) { return std::to_string(timestamp) + "." + body; }

bool constant_time_hex_equals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(a[i])) ^ std::tolower(static_cast<unsigned char>(b[i])));
  return diff == 0;
}

SignatureVerdict verify_signature(const SignatureHeader& header, const std::string& expected_hex, int64_t now_ms) {
  if (header.v1.empty() || expected_hex.size() != 64) return SignatureVerdict::malformed;
  const int64_t skew = now_ms / 1000 - header.timestamp;
  if (skew > kSignatureToleranceSeconds || skew < -kSignatureToleranceSeconds) return SignatureVerdict::stale;
  bool any = false;
  for (const auto& v : header.v1) any = constant_time_hex_equals(v, expected_hex) || any;  // every one, no early exit
  return any ? SignatureVerdict::ok : SignatureVerdict::mismatch;
}

const char* verdict_message(SignatureVerdict verdict) {
  switch (verdict) {
    case SignatureVerdict::ok: return "ok";
    case SignatureVerdict::malformed: return "The Stripe-Signature header is missing or malformed.";
    case SignatureVerdict::stale: return "The webhook's timestamp is more than 300 seconds from now.";
    case SignatureVerdict::mismatch: return "No signature in the Stripe-Signature header matches the payload.";
  }
  return "";
}

bool parse_event(const std::string& body, StripeEvent& out) {
  out = {};
  Json event = parse_json(body);
  if (!event.is_object()) return false;
  out.id = str_field(event, "id");
  out.type = str_field(event, "type");
  const Json* data = field(event, "data");
  const Json* object = data && data->is_object() ? field(*data, "object") : nullptr;
  if (out.id.empty() || out.type.empty() || !object || !object->is_object()) return false;
  out.object_id = str_field(*object, "id");
  if (const Json* metadata = field(*object, "metadata"); metadata && metadata->is_object()) {
    out.payment_id = str_field(*metadata, "payment_id");
    out.owner_id = str_field(*metadata, "owner_id");
    out.metadata_type = str_field(*metadata, "type");
  }
  if (out.payment_id.empty()) out.payment_id = str_field(*object, "client_reference_id");
  out.payment_status = str_field(*object, "payment_status");
  // Expandable fields are an id, or the object itself when expanded.
  const auto id_of = [&](const char* key) {
    const Json* v = field(*object, key);
    if (!v) return std::string();
    if (v->is_string()) return v->get<std::string>();
    return v->is_object() ? str_field(*v, "id") : std::string();
  };
  out.payment_intent = id_of("payment_intent");
  out.customer = id_of("customer");
  return true;
}

EventAction event_action(const StripeEvent& e) {
  if (e.payment_id.empty() || e.owner_id.empty()) return EventAction::ignore;  // not one of ours
  if (e.type == "checkout.session.completed") return e.payment_status == "paid" ? EventAction::complete_checkout : EventAction::ignore;
  if (e.type == "checkout.session.async_payment_succeeded") return EventAction::complete_checkout;
  if (e.type == "checkout.session.expired") return EventAction::expire_checkout;
  if (e.type == "payment_intent.succeeded" && e.metadata_type == "auto_topup") return EventAction::complete_auto_topup;
  return EventAction::ignore;
}

std::string redact_keys(std::string text) {
  // Stripe names a wrong key masked, but nothing key-like leaves unmasked.
  for (const char* prefix : {"sk_", "rk_", "whsec_"}) {
    for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
      size_t end = at;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_' || text[end] == '*')) ++end;
      text.replace(at, end - at, "[redacted]");
    }
  }
  return text;
}

std::string stripe_error_message(int status, const std::string& body) {
  Json parsed = parse_json(body);
  std::string message;
  if (const Json* e = parsed.is_object() ? field(parsed, "error") : nullptr; e && e->is_object()) message = str_field(*e, "message");
  if (message.empty()) message = status > 0 ? "Stripe answered HTTP " + std::to_string(status) + "." : "Stripe could not be reached.";
  if (message.size() > 300) message.resize(300);
  return redact_keys(message);
}

std::string stripe_error_code(const std::string& body) {
  Json parsed = parse_json(body);
  const Json* e = parsed.is_object() ? field(parsed, "error") : nullptr;
  if (!e || !e->is_object()) return {};
  std::string code = str_field(*e, "decline_code");
  if (code.empty()) code = str_field(*e, "code");
  return code.size() > 64 ? code.substr(0, 64) : code;
}

}  // namespace keyaos::payments
