#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "protocols/common/usage.h"

namespace keyaos::billing {

// Catalogue prices of one offering, USD per 1M tokens (absent = unknown).
struct Prices {
  std::optional<double> input;
  std::optional<double> output;
  std::optional<double> cache_read;
  std::optional<double> cache_write;
  bool known() const { return input.has_value() && output.has_value(); }
};

// Money is kept in integer nano-USD (1e-9 USD): sums never drift, and one
// rounding per request bounds the error at half a nano-dollar.
using NanoUsd = int64_t;

NanoUsd usd_to_nano(double usd);
double nano_to_usd(NanoUsd nano);
// "0.000123000": dollars to the nano-dollar, for headers and messages.
std::string usd_text(double usd);

// Tokens x prices: uncached prompt at input, cached prompt at the cache-read
// price (input when the catalogue has none), cache writes at the cache-write
// price, completion (reasoning included) at output.
NanoUsd token_cost(const Usage& usage, const Prices& prices);

struct Cost {
  NanoUsd base = 0;       // what the upstream charges for these tokens
  double multiplier = 1;  // the credential's price multiplier
  NanoUsd effective = 0;  // base x multiplier: what the request cost the user
  NanoUsd list = 0;       // the same tokens at the reference (OpenRouter) price
  bool upstream_reported = false;
};

// Upstream-reported cost wins over catalogue prices when present.
Cost compute_cost(const Usage& usage, const Prices& offering, const Prices& reference, double multiplier);

// Rough token count of text, for requests whose upstream reported no usage.
int64_t estimate_tokens_from_bytes(int64_t bytes);

}  // namespace keyaos::billing
