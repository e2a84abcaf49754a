#include "protocols/openai/usage.h"

namespace keyaos::openai {
namespace od = simdjson::ondemand;

namespace {
int64_t as_int(od::value v) {
  int64_t i;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
  double d;
  if (v.get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
  return 0;
}

void read_details(od::value v, Usage& out, bool prompt_side) {
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
    od::value val;
    if (field.value().get(val) != simdjson::SUCCESS) return;
    if (prompt_side && key == "cached_tokens") out.cached_tokens = as_int(val);
    else if (prompt_side && key == "cache_write_tokens") out.cache_write_tokens = as_int(val);
    else if (!prompt_side && key == "reasoning_tokens") out.reasoning_tokens = as_int(val);
  }
}
}  // namespace

bool read_usage(od::value value, Usage& out) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return false;
  Usage u;
  int64_t cache_hit = -1;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    od::value val;
    if (field.value().get(val) != simdjson::SUCCESS) return false;
    if (key == "prompt_tokens") u.prompt_tokens = as_int(val);
    else if (key == "completion_tokens") u.completion_tokens = as_int(val);
    else if (key == "prompt_tokens_details") read_details(val, u, true);
    else if (key == "completion_tokens_details") read_details(val, u, false);
    else if (key == "prompt_cache_hit_tokens") cache_hit = as_int(val);
    else if (key == "cost" || key == "estimated_cost") {
      double d;
      // OpenRouter's cost wins over an estimate should both appear.
      if (val.get_double().get(d) == simdjson::SUCCESS && d >= 0 && (key == "cost" || !u.reported_cost_usd))
        u.reported_cost_usd = d;
    }
  }
  if (cache_hit >= 0 && u.cached_tokens == 0) u.cached_tokens = cache_hit;
  u.present = true;
  out = u;
  return true;
}

bool usage_from_completion(std::string_view body, Usage& out) {
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return false;
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  od::value usage;
  if (obj.find_field_unordered("usage").get(usage) != simdjson::SUCCESS) return false;
  return read_usage(usage, out);
}

}  // namespace keyaos::openai
