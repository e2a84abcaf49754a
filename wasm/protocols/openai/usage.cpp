#include "protocols/openai/usage.h"

#include "core/json_read.h"
#include "core/json_validate.h"

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
  json_read::each_member(obj, [&](std::string_view key, od::value& val) {
    if (prompt_side && key == "cached_tokens") out.cached_tokens = as_int(val);
    else if (prompt_side && key == "cache_write_tokens") out.cache_write_tokens = as_int(val);
    else if (!prompt_side && key == "reasoning_tokens") out.reasoning_tokens = as_int(val);
    return true;
  });
}
}  // namespace

bool read_usage(od::value value, Usage& out) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return false;
  Usage u;
  int64_t cache_hit = -1;
  const bool sound = json_read::each_member(obj, [&](std::string_view key, od::value& val) {
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
    return true;
  });
  if (!sound) return false;
  if (cache_hit >= 0 && u.cached_tokens == 0) u.cached_tokens = cache_hit;
  u.present = true;
  out = u;
  return true;
}

bool read_completion(std::string_view body, CompletionSummary& out) {
  // On-Demand does not check what it skips, and the body goes to the client as it is.
  if (!is_valid_json(body)) return false;
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object top;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(top) != simdjson::SUCCESS) return false;
  CompletionSummary summary;
  const bool sound = json_read::each_member(top, [&summary](std::string_view key, od::value& value) {
    if (key == "error") {
      std::string_view raw;
      summary.error_json.clear();
      if (!json_read::is(value, od::json_type::null) && value.raw_json().get(raw) == simdjson::SUCCESS) summary.error_json.assign(raw);
    } else if (key == "model") {
      json_read::string(value, summary.model);
    } else if (key == "usage") {
      summary.usage = Usage();
      read_usage(value, summary.usage);
    } else if (key == "choices") {
      summary.content.clear();
      json_read::each_object(value, [&summary](od::object& choice) {
        od::value message, content;
        od::object message_object;
        std::string_view text;
        if (json_read::member(choice, "message", message) && json_read::object(message, message_object) &&
            json_read::member(message_object, "content", content) && json_read::string(content, text))
          summary.content.append(text);
      });
    }
    return true;
  });
  if (!sound) return false;
  out = std::move(summary);
  return true;
}

}  // namespace keyaos::openai
