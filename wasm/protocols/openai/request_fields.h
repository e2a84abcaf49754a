#pragma once
// Reading an OpenAI request body (chat, embeddings) one top-level field at a
// time with simdjson On-Demand, and the routing fields both share.
#include <string>
#include <string_view>

#include "core/api_error.h"
#include "core/json_read.h"
#include "core/limits.h"
#include "protocols/openai/chat_request.h"
#include "simdjson.h"

namespace keyaos::openai {

// What a field reader makes of one field.
enum class FieldVerdict {
  next,      // read; go on
  refused,   // invalid: `error` says why
  bad_json,  // the value is not well-formed JSON
};

// Calls on_field(key, raw_key, value) for each member of the body's top-level
// object; raw_key is the key's JSON token as the client wrote it (quotes
// included), for fields forwarded verbatim. False, with `error` filled, when
// the body is not a JSON object, is not valid JSON, or a field is refused.
template <class OnField>
bool read_request_fields(std::string_view body, ApiError& error, OnField&& on_field) {
  namespace od = simdjson::ondemand;
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS) {
    error = ApiError::bad_request("The request body must be a JSON object.", "invalid_json");
    return false;
  }
  bool bad_json = false;
  for (auto member : obj) {
    od::field field;
    if (std::move(member).get(field) != simdjson::SUCCESS) {
      bad_json = true;
      break;
    }
    // The raw key token must be taken before unescaped_key() consumes the key.
    std::string_view raw_key = field.key_raw_json_token();
    while (!raw_key.empty() && raw_key.back() != '"') raw_key.remove_suffix(1);
    std::string_view key;
    if (field.unescaped_key(false).get(key) != simdjson::SUCCESS) {
      bad_json = true;
      break;
    }
    const FieldVerdict verdict = on_field(key, raw_key, field.value());
    if (verdict == FieldVerdict::refused) return false;
    if (verdict == FieldVerdict::bad_json) {
      bad_json = true;
      break;
    }
  }
  if (bad_json || !json_read::finished(doc)) {
    error = ApiError::bad_request("The request body is not valid JSON.", "invalid_json");
    return false;
  }
  return true;
}

// `model`: a string of at most limits::kMaxModelIdLength bytes.
FieldVerdict read_model_field(simdjson::ondemand::value& v, std::string& model, ApiError& error);

// `provider`: see read_provider_field.
FieldVerdict read_provider_preferences(simdjson::ondemand::value& v, ProviderPreferences& prefs, ApiError& error);

// The error for more fallback models than a request may name.
ApiError too_many_fallback_models();

// After a body's fields are read: a model was named and the body's own
// required field (`field`: "messages", "input") was present; else the error
// OpenAI gives for the missing one, `missing` saying what is required.
bool check_required(std::string_view model, bool has_field, const char* field, const char* missing, ApiError& error);

// Appends `"key":raw` to a comma-separated list of forwarded fields.
void keep_field(std::string& kept_fields, std::string_view raw_key, std::string_view raw);

}  // namespace keyaos::openai
