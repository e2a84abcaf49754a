#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Gift card codes: KAOS-XXXX-XXXX-XXXX-XXXX, 16 symbols from an alphabet
// without look-alikes (no 0/O, 1/I/L), about 79 bits of randomness. Only a
// code's SHA-256 is stored; the code is shown once, when it is made.
namespace keyaos::platform::gift_code {

inline constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";  // 31 symbols
inline constexpr std::string_view kPrefix = "KAOS";
inline constexpr size_t kGroups = 4, kGroupSize = 4, kSymbols = kGroups * kGroupSize;
inline constexpr size_t kLength = 4 + kGroups * (1 + kGroupSize);  // "KAOS-XXXX-XXXX-XXXX-XXXX"

// Random bytes are turned into symbols by rejection: a byte below 248 (8 x 31)
// gives symbol byte % 31, any other byte is dropped, so every symbol is
// equally likely. Appends to `symbols` from `bytes` (pairs of hex digits) and
// returns how many bytes were dropped.
size_t symbols_from_hex(std::string_view hex, std::string& symbols);

// Random bytes to ask for, to make `codes` codes with room for rejections.
size_t random_bytes_for(size_t codes);

// The codes spelled by `symbols` (kSymbols each; a remainder is unused).
std::vector<std::string> codes_from_symbols(std::string_view symbols);

// What a user typed, as the code it names: trimmed, upper-cased, with the
// dashes (and inner spaces) optional and the KAOS prefix optional. Empty when
// it cannot be a code (wrong length or a symbol outside the alphabet).
std::string normalise(std::string_view input);

// The last group, shown as the card's hint.
std::string hint(const std::string& code);

}  // namespace keyaos::platform::gift_code
