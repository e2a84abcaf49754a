#include "catalog/decimal.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace keyaos::catalog {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Upstream prices have a handful of significant digits; anything longer is
// not a price and is rejected instead of being trusted.
constexpr size_t kMaxDigits = 40;
constexpr int kMaxExponent = 400;

// Powers of ten a double holds exactly.
constexpr double kExactPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPower = 22;
constexpr size_t kMaxExactDigits = 15;  // below 2^53: every such integer is a double

// digits * 10^exponent when both factors are exact doubles: then the one
// multiplication or division rounds once, correctly (Clinger's fast path).
// Prices take it; the rest goes to strtod, which in wasm runs on software
// long doubles and costs about a microsecond a number.
bool exact_fast_path(const std::string& digits, int exponent, bool negative, double& out) {
  if (digits.size() > kMaxExactDigits || exponent > kMaxExactPower || exponent < -kMaxExactPower) return false;
  uint64_t mantissa = 0;
  for (char c : digits) mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
  const double m = static_cast<double>(mantissa);
  const double value = exponent >= 0 ? m * kExactPowers[exponent] : m / kExactPowers[-exponent];
  out = negative ? -value : value;
  return true;
}

}  // namespace

bool parse_decimal_scaled(std::string_view text, int scale_exponent, double& out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }

  std::string digits;  // significant digits, leading zeros dropped
  int exponent = 0;    // value = digits * 10^exponent
  size_t integer_start = i;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (!(digits.empty() && text[i] == '0')) digits.push_back(text[i]);
  }
  if (i == integer_start) return false;  // ".5" is not a JSON number
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t fraction_start = i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (!(digits.empty() && text[i] == '0')) digits.push_back(text[i]);
      --exponent;
    }
    if (i == fraction_start) return false;  // nor is "1."
  }
  if (digits.size() > kMaxDigits) return false;

  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    size_t exponent_start = i;
    int written = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (written > kMaxExponent) return false;
      written = written * 10 + (text[i] - '0');
    }
    if (i == exponent_start) return false;
    exponent += exponent_negative ? -written : written;
  }
  if (i != text.size()) return false;

  if (digits.empty()) {
    out = 0.0;
    return true;
  }
  exponent += scale_exponent;
  if (exponent > kMaxExponent || exponent < -kMaxExponent) return false;

  if (exact_fast_path(digits, exponent, negative, out)) return true;

  // Integer mantissa and exponent only: strtod never sees a locale-dependent
  // decimal point, and rounds once, correctly.
  std::string normalized;
  normalized.reserve(digits.size() + 8);
  if (negative) normalized.push_back('-');
  normalized += digits;
  normalized.push_back('e');
  normalized += std::to_string(exponent);
  char* end = nullptr;
  double value = std::strtod(normalized.c_str(), &end);
  if (end != normalized.c_str() + normalized.size()) return false;
  out = value;
  return true;
}

}  // namespace keyaos::catalog
