#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace keyaos::catalog {

// What a pasted API key must look like, as data rather than a regular
// expression, so that the engine and the dashboard check it alike:
//   {"prefixes": ["sk-or-v1-"], "alphabet": "hex", "min_length": 64, "max_length": 64}
// A secret matches when it is one of the prefixes (or, with none, nothing)
// followed by a body of min_length to max_length characters, all from the
// alphabet. The lengths count the body only, never the prefix.
// Alphabets: hex (0-9 a-f, lower case), base62 (A-Z a-z 0-9), base64url
// (base62 and '-' '_'), printable (any ASCII from '!' to '~'), or
// {"chars": "..."}: exactly these characters.
struct SecretFormat {
  std::vector<std::string> prefixes;  // empty: no prefix
  std::string alphabet;               // a named set, or empty with `chars`
  std::string chars;                  // the custom set, as written
  int64_t min_length = 1;
  std::optional<int64_t> max_length;  // none: up to the secret size limit
};

// Bounds that keep a definition (and a custom provider's) small.
inline constexpr size_t kMaxSecretPrefixes = 16;
inline constexpr size_t kMaxSecretPrefixLength = 64;
inline constexpr int64_t kMaxSecretBodyLength = 4096;

// The reader is json::read_secret_format (catalog/json_fields.h).

bool secret_matches(const SecretFormat& format, std::string_view secret);

// The object, every field written (max_length null when open); read back, it
// gives the same format.
nlohmann::json secret_format_json(const SecretFormat& format);

// For people: "sk-or-v1- followed by 64 hex characters (0-9, a-f)".
std::string describe_secret_format(const SecretFormat& format);

}  // namespace keyaos::catalog
