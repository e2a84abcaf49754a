#include "protocols/openai/chat_request.h"

#include <cmath>

#include "core/json.h"
#include "core/limits.h"
#include "core/json_validate.h"
#include "core/text.h"
#include "protocols/openai/request_fields.h"
#include "simdjson.h"

namespace keyaos::openai {
namespace od = simdjson::ondemand;

namespace {

enum class ListRead { ok, invalid, too_long };

// A string or an array of strings, at most `max_entries` of at most `max_length` bytes.
ListRead read_string_list(od::value v, std::vector<std::string>& out, size_t max_entries, size_t max_length) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    if (s.size() > max_length || out.size() >= max_entries) return ListRead::too_long;
    out.emplace_back(s);
    return ListRead::ok;
  }
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return ListRead::invalid;
  for (auto item : arr) {
    if (item.get_string().get(s) != simdjson::SUCCESS) return ListRead::invalid;
    if (s.size() > max_length || out.size() >= max_entries) return ListRead::too_long;
    out.emplace_back(s);
  }
  return ListRead::ok;
}

// Sampling and length settings the engine reads (ranking, protocol mapping):
// null means unset; anything else must be a finite number in range.
struct NumberRule {
  const char* key;
  bool integer;
  double min;
  double max;
};
constexpr NumberRule kNumberRules[] = {
    {"max_tokens", true, 1, static_cast<double>(limits::kMaxOutputTokens)},
    {"max_completion_tokens", true, 1, static_cast<double>(limits::kMaxOutputTokens)},
    {"temperature", false, 0, 2},
    {"top_p", false, 0, 1},
    {"n", true, 1, static_cast<double>(limits::kMaxChoices)},
    {"presence_penalty", false, -2, 2},
    {"frequency_penalty", false, -2, 2},
    {"top_k", true, 0, 2147483647.0},
    {"seed", true, -9223372036854775807.0, 9223372036854775807.0},
};

const NumberRule* number_rule(std::string_view key) {
  for (const auto& r : kNumberRules)
    if (key == r.key) return &r;
  return nullptr;
}

std::string format_bound(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return dump_json(Json(v));
}

// The value of a rule's field, or false with `error` set. `value` is unset for null.
bool check_number(const NumberRule& rule, std::string_view raw, std::optional<int64_t>& value, ApiError& error) {
  Json parsed = parse_json(raw);
  if (parsed.is_null()) return true;
  const std::string range = "between " + format_bound(rule.min) + " and " + format_bound(rule.max);
  const std::string what = rule.integer ? "an integer " + range : "a number " + range;
  bool ok = false;
  if (rule.integer) {
    // Integers only as integer tokens: 1.5, 1e3 and "12" are refused.
    if (parsed.is_number_unsigned()) {  // nlohmann reads every non-negative integer as unsigned
      uint64_t u = parsed.get<uint64_t>();
      ok = u <= static_cast<uint64_t>(INT64_MAX) && static_cast<double>(u) >= rule.min && static_cast<double>(u) <= rule.max;
      if (ok) value = static_cast<int64_t>(u);
    } else if (parsed.is_number_integer()) {
      int64_t n = parsed.get<int64_t>();
      ok = static_cast<double>(n) >= rule.min && static_cast<double>(n) <= rule.max;
      if (ok) value = n;
    }
  } else if (parsed.is_number()) {
    double d = parsed.get<double>();
    ok = std::isfinite(d) && d >= rule.min && d <= rule.max;
  }
  if (!ok) error = ApiError::bad_request("'" + std::string(rule.key) + "' must be " + what + ".", "invalid_value", rule.key);
  return ok;
}

}  // namespace

bool read_provider_field(od::value v, ProviderPreferences& prefs) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  if (type == od::json_type::string || type == od::json_type::array)
    return read_string_list(v, prefs.only, limits::kMaxProviderListEntries, limits::kMaxModelIdLength) == ListRead::ok;
  if (type != od::json_type::object) return type == od::json_type::null;
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
  auto list = [](od::value lv, std::vector<std::string>& out) {
    return read_string_list(lv, out, limits::kMaxProviderListEntries, limits::kMaxModelIdLength) == ListRead::ok;
  };
  for (auto f : obj) {
    std::string_view key;
    od::value fv;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS || f.value().get(fv) != simdjson::SUCCESS) return false;
    if (key == "only") { if (!list(fv, prefs.only)) return false; }
    else if (key == "ignore") { if (!list(fv, prefs.ignore)) return false; }
    else if (key == "order") { if (!list(fv, prefs.order)) return false; }
    else if (key == "allow_fallbacks") {
      bool b;
      if (fv.get_bool().get(b) != simdjson::SUCCESS) return false;
      prefs.allow_fallbacks = b;
    }
  }
  return true;
}

bool parse_chat_request(std::string_view body, ChatRequest& out, ApiError& error) {
  bool has_messages = false;
  bool saw_max_completion = false;
  const bool read = read_request_fields(body, error, [&](std::string_view key, std::string_view raw_key, od::value& v) {
    if (key == "model") return read_model_field(v, out.model, error);
    if (key == "models") {
      ListRead list = read_string_list(v, out.fallback_models, limits::kMaxFallbackModels, limits::kMaxModelIdLength);
      if (list == ListRead::too_long) error = too_many_fallback_models();
      if (list == ListRead::invalid) error = ApiError::bad_request("'models' must be an array of model ids.", "invalid_type", "models");
      return list == ListRead::ok ? FieldVerdict::next : FieldVerdict::refused;
    }
    if (key == "provider") return read_provider_preferences(v, out.providers, error);
    std::string_view raw;
    if (key == "stream_options") {
      if (v.raw_json().get(raw) != simdjson::SUCCESS || !is_valid_json(raw)) return FieldVerdict::bad_json;
      out.stream_options.assign(raw);
      return FieldVerdict::next;
    }
    if (key == "stream") {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) {
        bool is_null = false;
        if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
          error = ApiError::bad_request("'stream' must be a boolean.", "invalid_type", "stream");
          return FieldVerdict::refused;
        }
      }
      out.stream = b;
      raw = b ? "true" : "false";
    } else {
      // Forwarded verbatim, and On-Demand does not check the tokens of a skipped value.
      if (v.raw_json().get(raw) != simdjson::SUCCESS || !is_valid_json(raw)) return FieldVerdict::bad_json;
      // raw_json of a scalar may carry trailing whitespace
      raw = trim_json_whitespace_end(raw);
    }
    if (key == "messages") {
      if (raw.empty() || raw.front() != '[') {
        error = ApiError::bad_request("'messages' must be an array of messages.", "invalid_type", "messages");
        return FieldVerdict::refused;
      }
      has_messages = raw.find('{') != std::string_view::npos;
      out.prompt_bytes = static_cast<int64_t>(raw.size());
    } else if (const NumberRule* rule = number_rule(key)) {
      std::optional<int64_t> n;
      if (!check_number(*rule, raw, n, error)) return FieldVerdict::refused;
      // max_completion_tokens wins over max_tokens, whichever comes first.
      if (n && (key == "max_completion_tokens" || (key == "max_tokens" && !saw_max_completion))) out.max_output_tokens = n;
      if (n && key == "max_completion_tokens") saw_max_completion = true;
    }
    keep_field(out.kept_fields, raw_key, raw);
    return FieldVerdict::next;
  });
  return read && check_required(out.model, has_messages, "messages", "'messages' is required and must contain at least one message.", error);
}

std::string upstream_chat_body(const ChatRequest& req, std::string_view upstream_model) {
  std::string body;
  body.reserve(req.kept_fields.size() + upstream_model.size() + 96);
  body.push_back('{');
  body += "\"model\":";
  body += dump_json(Json(std::string(upstream_model)));
  if (!req.kept_fields.empty()) {
    body.push_back(',');
    body += req.kept_fields;
  }
  if (req.stream) {
    Json opts = req.stream_options.empty() ? Json::object() : parse_json(req.stream_options);
    if (!opts.is_object()) opts = Json::object();
    opts["include_usage"] = true;
    body += ",\"stream_options\":";
    body += dump_json(opts);
  } else if (!req.stream_options.empty()) {
    body += ",\"stream_options\":";
    body += req.stream_options;
  }
  body.push_back('}');
  return body;
}

std::string without_member(std::string_view body, std::string_view name) {
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS) return {};
  std::string out;
  out.reserve(body.size());
  out.push_back('{');
  for (auto f : obj) {
    od::field field;
    if (std::move(f).get(field) != simdjson::SUCCESS) return {};
    std::string_view raw_key = field.key_raw_json_token();
    while (!raw_key.empty() && raw_key.back() != '"') raw_key.remove_suffix(1);
    std::string_view key, raw;
    if (field.unescaped_key(false).get(key) != simdjson::SUCCESS || field.value().raw_json().get(raw) != simdjson::SUCCESS) return {};
    if (key == name) continue;
    raw = trim_json_whitespace_end(raw);
    if (out.size() > 1) out.push_back(',');
    out.append(raw_key);
    out.push_back(':');
    out.append(raw);
  }
  if (!json_read::finished(doc)) return {};
  out.push_back('}');
  return out;
}

}  // namespace keyaos::openai
