#include "platform/gift_code.h"

namespace keyaos::platform::gift_code {
namespace {

// A hex digit's value, or npos.
size_t hex_digit(char c) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  return kDigits.find(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
}

// The largest multiple of the alphabet's size that fits a byte.
constexpr unsigned kAcceptBelow = 256 / kAlphabet.size() * kAlphabet.size();  // 248

}  // namespace

size_t symbols_from_hex(std::string_view hex, std::string& symbols) {
  size_t dropped = 0;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const size_t hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi == std::string_view::npos || lo == std::string_view::npos) {
      ++dropped;
      continue;
    }
    const unsigned byte = static_cast<unsigned>(hi * 16 + lo);
    if (byte >= kAcceptBelow) {
      ++dropped;
      continue;
    }
    symbols.push_back(kAlphabet[byte % kAlphabet.size()]);
  }
  return dropped;
}

// 8/256 of bytes are dropped; an eighth more plus a margin makes a shortfall
// (which the caller answers by asking again) very unlikely.
size_t random_bytes_for(size_t codes) { return codes * kSymbols + codes * kSymbols / 8 + 32; }

std::vector<std::string> codes_from_symbols(std::string_view symbols) {
  std::vector<std::string> out;
  for (size_t at = 0; at + kSymbols <= symbols.size(); at += kSymbols) {
    std::string code(kPrefix);
    for (size_t g = 0; g < kGroups; ++g) {
      code.push_back('-');
      code.append(symbols.substr(at + g * kGroupSize, kGroupSize));
    }
    out.push_back(std::move(code));
  }
  return out;
}

std::string normalise(std::string_view input) {
  if (input.size() > 64) return {};
  std::string compact;
  for (char c : input) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    compact.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (compact.size() == kPrefix.size() + kSymbols && compact.compare(0, kPrefix.size(), kPrefix) == 0) compact.erase(0, kPrefix.size());
  if (compact.size() != kSymbols) return {};
  for (char c : compact)
    if (kAlphabet.find(c) == std::string_view::npos) return {};
  return codes_from_symbols(compact).front();
}

std::string hint(const std::string& code) { return code.size() >= kGroupSize ? code.substr(code.size() - kGroupSize) : code; }

}  // namespace keyaos::platform::gift_code
