#pragma once
// Rules for upstream secrets outside their ciphertext: what may be stored,
// what a hint may show, what a sealed value is bound to, and what upstream
// error text may reach a /v1 client.
#include <cstddef>
#include <string>
#include <string_view>

namespace keyaos {

inline constexpr size_t kMaxPlainSecretBytes = 4096;       // an API key or a bare token
inline constexpr size_t kMaxSecretFileBytes = 32 * 1024;   // a pasted credential file (JSON)

// Empty when `secret` may be stored; else why not. Secrets end up in HTTP
// headers, so only printable ASCII is accepted; a JSON credential file may
// also carry JSON whitespace (tab, CR, LF) between its fields.
std::string secret_format_error(std::string_view secret);

// The last characters of a secret after `prefix`: at most 4, and never more
// than a quarter of the secret; "***" when the secret is too short for any.
std::string tail_hint(std::string_view secret, std::string_view prefix = "");

// AES-GCM additional data of a credential's ciphertext: a sealed value opens
// only in the row it was sealed for.
std::string credential_aad(std::string_view owner_id, std::string_view credential_id);

// Ciphertexts sealed with additional data carry this prefix; older ones
// (sealed without it) are opened without additional data and re-sealed.
inline constexpr std::string_view kSealedV2Prefix = "v2:";
inline bool sealed_with_aad(std::string_view ciphertext) { return ciphertext.substr(0, kSealedV2Prefix.size()) == kSealedV2Prefix; }

// Upstream error text bound for a /v1 client, with what could identify or
// rebuild a credential replaced by "[redacted]": e-mail addresses, masked
// keys ("sk-...****abcd") and long token-like runs.
std::string redact_credential_details(std::string_view text);

}  // namespace keyaos
