#include "billing/cost.h"

#include <cmath>
#include <cstdio>

namespace keyaos::billing {
namespace {
// Price per 1M tokens in nano-USD: exact for any price quoted to 1e-9 USD/M.
int64_t price_nano_per_m(const std::optional<double>& p) { return p ? std::llround(*p * 1e9) : 0; }
}  // namespace

NanoUsd usd_to_nano(double usd) { return std::llround(usd * 1e9); }
double nano_to_usd(NanoUsd nano) { return static_cast<double>(nano) / 1e9; }

std::string usd_text(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9f", usd);
  return buf;
}

NanoUsd token_cost(const Usage& u, const Prices& p) {
  const int64_t in = price_nano_per_m(p.input);
  const int64_t out = price_nano_per_m(p.output);
  const int64_t cache_read = p.cache_read ? price_nano_per_m(p.cache_read) : in;
  const int64_t cache_write = p.cache_write ? price_nano_per_m(p.cache_write) : in;
  int64_t cached = u.cached_tokens < 0 ? 0 : u.cached_tokens;
  int64_t written = u.cache_write_tokens < 0 ? 0 : u.cache_write_tokens;
  int64_t uncached = u.prompt_tokens - cached - written;
  if (uncached < 0) uncached = 0;
  __int128 scaled = static_cast<__int128>(uncached) * in + static_cast<__int128>(cached) * cache_read +
                    static_cast<__int128>(written) * cache_write +
                    static_cast<__int128>(u.completion_tokens < 0 ? 0 : u.completion_tokens) * out;
  return static_cast<NanoUsd>((scaled + 500000) / 1000000);
}

Cost compute_cost(const Usage& usage, const Prices& offering, const Prices& reference, double multiplier) {
  Cost c;
  c.multiplier = multiplier;
  if (usage.reported_cost_usd && *usage.reported_cost_usd > 0) {
    c.base = usd_to_nano(*usage.reported_cost_usd);
    c.upstream_reported = true;
  } else {
    c.base = token_cost(usage, offering);
  }
  c.effective = std::llround(static_cast<double>(c.base) * multiplier);
  c.list = reference.known() ? token_cost(usage, reference) : c.base;
  return c;
}

int64_t estimate_tokens_from_bytes(int64_t bytes) {
  // ~4 bytes per token for English text and JSON; errs high for CJK (3 bytes/char, ~1 token/char).
  return bytes <= 0 ? 0 : (bytes + 3) / 4;
}

}  // namespace keyaos::billing
