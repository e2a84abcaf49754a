// Fuzz target for the credit/balance parsers (catalog/credits).
//
// Input: one byte choosing the parser and the CNY rate, then the body.
// Properties checked (FUZZ_REQUIRE):
//   - an accepted balance is finite, never negative and fits int64 nano-USD,
//     and the reported spending is finite and fits too; the output is left
//     alone on failure;
//   - a refused body says why.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "catalog/credits.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

int fuzz_credits(const uint8_t* bytes, size_t size) {
  if (size < 1) return -1;
  static constexpr std::string_view kParsers[] = {"openrouter", "deepseek", "deepseek", "unknown"};
  static const double kRates[] = {7.2, 0, -1, std::numeric_limits<double>::quiet_NaN(), 1e-300, 1e300,
                                  std::numeric_limits<double>::infinity(), 0.5};
  const std::string_view parser = kParsers[bytes[0] & 3];
  const double rate = kRates[(bytes[0] >> 2) & 7];
  const std::string_view body(reinterpret_cast<const char*>(bytes) + 1, size - 1);

  keyaos::catalog::CreditBalance balance;
  balance.remaining_usd = 123;
  std::string error;
  if (!keyaos::catalog::parse_credits(parser, body, rate, balance, error)) {
    FUZZ_REQUIRE(!error.empty());
    FUZZ_REQUIRE(balance.remaining_usd == 123 && !balance.used_usd);
    return 0;
  }
  // Finite, not negative, and within int64 nano-USD (the quota's unit).
  FUZZ_REQUIRE(std::isfinite(balance.remaining_usd) && balance.remaining_usd >= 0 && balance.remaining_usd <= 9.2e9);
  if (balance.used_usd) FUZZ_REQUIRE(std::isfinite(*balance.used_usd) && std::fabs(*balance.used_usd) <= 9.2e9);
  return 0;
}
