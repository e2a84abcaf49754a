#include "protocols/openai/chat_request.h"

#include <cmath>

#include "core/json.h"
#include "core/limits.h"
#include "core/json_validate.h"
#include "core/text.h"
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
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS) {
    error = ApiError::bad_request("The request body must be a JSON object.", "invalid_json");
    return false;
  }
  bool has_messages = false;
  bool bad_json = false;
  bool saw_max_completion = false;
  for (auto f : obj) {
    od::field field;
    if (std::move(f).get(field) != simdjson::SUCCESS) { bad_json = true; break; }
    // The raw key token must be taken before unescaped_key() consumes the key.
    std::string_view raw_key = field.key_raw_json_token();
    while (!raw_key.empty() && raw_key.back() != '"') raw_key.remove_suffix(1);
    std::string_view key;
    if (field.unescaped_key(false).get(key) != simdjson::SUCCESS) { bad_json = true; break; }
    od::value& v = field.value();
    if (key == "model") {
      std::string_view m;
      if (v.get_string().get(m) != simdjson::SUCCESS) {
        error = ApiError::bad_request("'model' must be a string.", "invalid_type", "model");
        return false;
      }
      if (m.size() > limits::kMaxModelIdLength) {
        error = ApiError::bad_request("'model' is longer than " + std::to_string(limits::kMaxModelIdLength) + " bytes.",
                                      "invalid_value", "model");
        return false;
      }
      out.model.assign(m);
      continue;
    }
    if (key == "models") {
      ListRead read = read_string_list(v, out.fallback_models, limits::kMaxFallbackModels, limits::kMaxModelIdLength);
      if (read == ListRead::too_long) {
        error = ApiError::bad_request("'models' takes at most " + std::to_string(limits::kMaxFallbackModels) + " model ids of at most " +
                                          std::to_string(limits::kMaxModelIdLength) + " bytes each.",
                                      "invalid_value", "models");
        return false;
      }
      if (read != ListRead::ok) {
        error = ApiError::bad_request("'models' must be an array of model ids.", "invalid_type", "models");
        return false;
      }
      continue;
    }
    if (key == "provider") {
      if (!read_provider_field(v, out.providers)) {
        error = ApiError::bad_request("'provider' must be a provider id, an array of ids, or {order, only, ignore, allow_fallbacks}, "
                                      "with at most " + std::to_string(limits::kMaxProviderListEntries) + " ids per list.",
                                      "invalid_type", "provider");
        return false;
      }
      continue;
    }
    if (key == "stream_options") {
      std::string_view raw;
      if (v.raw_json().get(raw) != simdjson::SUCCESS || !is_valid_json(raw)) { bad_json = true; break; }
      out.stream_options.assign(raw);
      continue;
    }
    std::string_view raw;
    if (key == "stream") {
      bool b = false;
      auto err = v.get_bool().get(b);
      if (err != simdjson::SUCCESS) {
        bool is_null = false;
        if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
          error = ApiError::bad_request("'stream' must be a boolean.", "invalid_type", "stream");
          return false;
        }
      }
      out.stream = b;
      raw = b ? "true" : "false";
    } else {
      // Forwarded verbatim, and On-Demand does not check the tokens of a skipped value.
      if (v.raw_json().get(raw) != simdjson::SUCCESS || !is_valid_json(raw)) { bad_json = true; break; }
      // raw_json of a scalar may carry trailing whitespace
      raw = trim_json_whitespace_end(raw);
    }
    if (key == "messages") {
      if (raw.empty() || raw.front() != '[') {
        error = ApiError::bad_request("'messages' must be an array of messages.", "invalid_type", "messages");
        return false;
      }
      has_messages = raw.find('{') != std::string_view::npos;
      out.prompt_bytes = static_cast<int64_t>(raw.size());
    } else if (const NumberRule* rule = number_rule(key)) {
      std::optional<int64_t> n;
      if (!check_number(*rule, raw, n, error)) return false;
      // max_completion_tokens wins over max_tokens, whichever comes first.
      if (n && (key == "max_completion_tokens" || (key == "max_tokens" && !saw_max_completion))) out.max_output_tokens = n;
      if (n && key == "max_completion_tokens") saw_max_completion = true;
    }
    if (!out.kept_fields.empty()) out.kept_fields.push_back(',');
    out.kept_fields.append(raw_key);
    out.kept_fields.push_back(':');
    out.kept_fields.append(raw);
  }
  if (bad_json || !doc.at_end()) {
    error = ApiError::bad_request("The request body is not valid JSON.", "invalid_json");
    return false;
  }
  if (out.model.empty()) {
    error = ApiError::bad_request("'model' is required.", "missing_required_parameter", "model");
    return false;
  }
  if (!has_messages) {
    error = ApiError::bad_request("'messages' is required and must contain at least one message.",
                                  "missing_required_parameter", "messages");
    return false;
  }
  return true;
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
  if (!doc.at_end()) return {};
  out.push_back('}');
  return out;
}

}  // namespace keyaos::openai
