#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyaos::catalog {

// A credential's remaining balance, as its provider reports it, in USD.
struct CreditBalance {
  double remaining_usd = 0;
  std::optional<double> used_usd;  // when the provider reports spending
};

// Parses a credits/balance response with the named parser:
//  - openrouter: {"data":{"total_credits","total_usage"}}; remaining is
//    credits − usage, never below 0;
//  - deepseek: {"balance_infos":[{"currency","total_balance"}]}; the USD
//    balance when there is one, else the CNY balance / cny_per_usd.
// Amounts are rounded to 1e-9 USD so that 50 − 42.1234 reads 7.8766; an
// amount beyond ±9e9 USD (what int64 nano-USD holds) is refused.
bool parse_credits(std::string_view parser, std::string_view body, double cny_per_usd, CreditBalance& out,
                   std::string& error);

// The names parse_credits knows, in a fixed order: what a definition's
// `credits.parser` may be.
std::vector<std::string_view> credits_parser_names();

}  // namespace keyaos::catalog
