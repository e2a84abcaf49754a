#include "catalog/credits.h"

#include <cmath>
#include <utility>

#include "catalog/decimal.h"
#include "simdjson.h"

namespace keyaos::catalog {

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Balances arrive as numbers or as decimal strings ("110.00").
bool read_amount(od::value v, double& out) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  std::string_view text;
  if (type == od::json_type::string) {
    if (v.get_string().get(text) != simdjson::SUCCESS) return false;
  } else if (type == od::json_type::number) {
    text = v.raw_json_token();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t')) {
      text.remove_suffix(1);
    }
  } else {
    return false;
  }
  return parse_decimal_scaled(text, 0, out) && std::isfinite(out);
}

double round_to_nano(double usd) { return std::round(usd * 1e9) / 1e9; }

// The quota is kept in int64 nano-USD; a larger (or non-finite) amount is no balance.
constexpr double kMaxUsd = 9e9;
bool in_range(double usd) { return std::isfinite(usd) && usd <= kMaxUsd && usd >= -kMaxUsd; }

bool fail(std::string& error, const std::string& what) {
  error = what;
  return false;
}

bool parse_openrouter(od::document& doc, CreditBalance& out, std::string& error) {
  od::value data;
  if (doc.find_field_unordered("data").get(data) != simdjson::SUCCESS) {
    return fail(error, "credits: missing \"data\" object");
  }
  std::optional<double> credits;
  std::optional<double> usage;
  od::object object;
  if (data.get_object().get(object) != simdjson::SUCCESS) return fail(error, "credits: \"data\" must be an object");
  for (auto member : object) {
    od::field field;
    if (std::move(member).get(field) != simdjson::SUCCESS) return fail(error, "credits: not valid JSON");
    std::string_view key;
    if (field.unescaped_key(false).get(key) != simdjson::SUCCESS) return fail(error, "credits: not valid JSON");
    double amount = 0;
    if (key == "total_credits" && read_amount(field.value(), amount)) credits = amount;
    if (key == "total_usage" && read_amount(field.value(), amount)) usage = amount;
  }
  if (!credits || !usage) return fail(error, "credits: \"data\" needs numeric total_credits and total_usage");
  double remaining = *credits - *usage;
  if (!in_range(remaining) || !in_range(*usage)) return fail(error, "credits: amounts out of range");
  out.remaining_usd = remaining > 0 ? round_to_nano(remaining) : 0.0;
  out.used_usd = round_to_nano(*usage);
  return true;
}

bool parse_deepseek(od::document& doc, double cny_per_usd, CreditBalance& out, std::string& error) {
  od::array infos;
  if (doc.find_field_unordered("balance_infos").get_array().get(infos) != simdjson::SUCCESS) {
    return fail(error, "balance: missing \"balance_infos\" array");
  }
  std::optional<double> usd;
  std::optional<double> cny;
  for (auto item : infos) {
    od::object info;
    if (item.get_object().get(info) != simdjson::SUCCESS) return fail(error, "balance: not valid JSON");
    std::string currency;
    std::optional<double> total;
    for (auto member : info) {
      od::field field;
      if (std::move(member).get(field) != simdjson::SUCCESS) return fail(error, "balance: not valid JSON");
      std::string_view key;
      if (field.unescaped_key(false).get(key) != simdjson::SUCCESS) return fail(error, "balance: not valid JSON");
      if (key == "currency") {
        std::string_view text;
        if (field.value().get_string().get(text) == simdjson::SUCCESS) currency.assign(text);
      } else if (key == "total_balance") {
        double amount = 0;
        if (read_amount(field.value(), amount)) total = amount;
      }
    }
    if (!total) continue;
    if (currency == "USD" && !usd) usd = total;
    if (currency == "CNY" && !cny) cny = total;
  }
  double remaining = 0;
  if (usd) {
    remaining = *usd;
  } else if (cny) {
    if (!(cny_per_usd > 0) || !std::isfinite(cny_per_usd)) {
      return fail(error, "balance: a positive CNY per USD rate is needed to convert the CNY balance");
    }
    remaining = *cny / cny_per_usd;
  } else {
    return fail(error, "balance: no USD or CNY total_balance");
  }
  if (!in_range(remaining)) return fail(error, "balance: amount out of range");
  out.remaining_usd = remaining > 0 ? round_to_nano(remaining) : 0.0;
  out.used_usd.reset();
  return true;
}

using CreditsParser = bool (*)(od::document& doc, double cny_per_usd, CreditBalance& out, std::string& error);

// Every credits parser under the name provider definitions give it: a new
// parser is one entry here (and in providers/schema.json, which a test checks).
constexpr std::pair<std::string_view, CreditsParser> kCreditsParsers[] = {
    {"openrouter", [](od::document& doc, double, CreditBalance& out, std::string& error) { return parse_openrouter(doc, out, error); }},
    {"deepseek", parse_deepseek},
};

CreditsParser credits_parser(std::string_view name) {
  for (const auto& [parser_name, parse] : kCreditsParsers)
    if (parser_name == name) return parse;
  return nullptr;
}

}  // namespace

std::vector<std::string_view> credits_parser_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kCreditsParsers) names.push_back(entry.first);
  return names;
}

bool parse_credits(std::string_view parser, std::string_view body, double cny_per_usd, CreditBalance& out,
                   std::string& error) {
  simdjson::padded_string padded(body);
  od::parser json_parser;
  od::document doc;
  if (json_parser.iterate(padded).get(doc) != simdjson::SUCCESS) return fail(error, "credits: not valid JSON");
  CreditBalance balance;
  const CreditsParser parse = credits_parser(parser);
  if (!parse) return fail(error, "unknown credits parser \"" + std::string(parser) + "\"");
  if (!parse(doc, cny_per_usd, balance, error)) return false;
  out = balance;
  return true;
}

}  // namespace keyaos::catalog
