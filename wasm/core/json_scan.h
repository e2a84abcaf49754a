#pragma once
// The byte scan the JSON passes share (depth check, validator, writer): most
// of a request body is string bytes, so they are skipped eight at a time.
#include <cstdint>
#include <cstring>

namespace keyaos::json_scan {

// Masks over the eight bytes of `w` (the first in the lowest bits): the high
// bit of each byte that is '"' or '\', or below 0x20. A borrow can only set
// bits above a byte that set its own, so the lowest bit set is always the
// first such byte.
inline uint64_t quote_or_backslash_bytes(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  const uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  return (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs;
}
inline uint64_t control_bytes(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  return (w - ones * 0x20) & ~w & highs;
}

// The bytes a JSON string cannot hold as they are: '"', '\' or below 0x20.
inline uint64_t special_bytes(uint64_t w) { return quote_or_backslash_bytes(w) | control_bytes(w); }

// The offset in its word of the first byte a non-zero mask above marks.
inline unsigned first_marked_byte(uint64_t mask) { return static_cast<unsigned>(__builtin_ctzll(mask)) / 8; }

inline bool is_special_byte(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// The first byte from `p` on (or `end`) that a JSON string cannot hold as it
// is: '"', '\' or a control byte.
inline const char* skip_plain_string_bytes(const char* p, const char* end) {
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (const uint64_t special = special_bytes(w)) return p + first_marked_byte(special);
    p += 8;
  }
  while (p < end && !is_special_byte(static_cast<unsigned char>(*p))) ++p;
  return p;
}

}  // namespace keyaos::json_scan
