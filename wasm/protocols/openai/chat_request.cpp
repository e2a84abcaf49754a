#include "protocols/openai/chat_request.h"

#include "core/json.h"
#include "core/json_validate.h"
#include "simdjson.h"

namespace keyaos::openai {
namespace od = simdjson::ondemand;

namespace {

bool read_string_list(od::value v, std::vector<std::string>& out) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    out.emplace_back(s);
    return true;
  }
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto item : arr) {
    if (item.get_string().get(s) != simdjson::SUCCESS) return false;
    out.emplace_back(s);
  }
  return true;
}

bool read_provider_field(od::value v, ProviderPreferences& prefs) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  if (type == od::json_type::string || type == od::json_type::array) return read_string_list(v, prefs.only);
  if (type != od::json_type::object) return type == od::json_type::null;
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto f : obj) {
    std::string_view key;
    od::value fv;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS || f.value().get(fv) != simdjson::SUCCESS) return false;
    if (key == "only") { if (!read_string_list(fv, prefs.only)) return false; }
    else if (key == "ignore") { if (!read_string_list(fv, prefs.ignore)) return false; }
    else if (key == "order") { if (!read_string_list(fv, prefs.order)) return false; }
    else if (key == "allow_fallbacks") {
      bool b;
      if (fv.get_bool().get(b) != simdjson::SUCCESS) return false;
      prefs.allow_fallbacks = b;
    }
  }
  return true;
}

}  // namespace

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
      out.model.assign(m);
      continue;
    }
    if (key == "models") {
      if (!read_string_list(v, out.fallback_models)) {
        error = ApiError::bad_request("'models' must be an array of model ids.", "invalid_type", "models");
        return false;
      }
      continue;
    }
    if (key == "provider") {
      if (!read_provider_field(v, out.providers)) {
        error = ApiError::bad_request("'provider' must be a provider id, an array of ids, or {order, only, ignore, allow_fallbacks}.",
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
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) raw.remove_suffix(1);
    }
    if (key == "messages") {
      if (raw.empty() || raw.front() != '[') {
        error = ApiError::bad_request("'messages' must be an array of messages.", "invalid_type", "messages");
        return false;
      }
      has_messages = raw.find('{') != std::string_view::npos;
      out.prompt_bytes = static_cast<int64_t>(raw.size());
    } else if (key == "max_completion_tokens" || (key == "max_tokens" && !out.max_output_tokens)) {
      int64_t n;
      Json parsed = parse_json(raw);
      if (parsed.is_number_integer() && (n = parsed.get<int64_t>()) > 0) out.max_output_tokens = n;
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

}  // namespace keyaos::openai
