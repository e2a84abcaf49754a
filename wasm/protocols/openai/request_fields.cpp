#include "protocols/openai/request_fields.h"

namespace keyaos::openai {

FieldVerdict read_model_field(simdjson::ondemand::value& v, std::string& model, ApiError& error) {
  std::string_view m;
  if (v.get_string().get(m) != simdjson::SUCCESS) {
    error = ApiError::bad_request("'model' must be a string.", "invalid_type", "model");
    return FieldVerdict::refused;
  }
  if (m.size() > limits::kMaxModelIdLength) {
    error = ApiError::bad_request("'model' is longer than " + std::to_string(limits::kMaxModelIdLength) + " bytes.",
                                  "invalid_value", "model");
    return FieldVerdict::refused;
  }
  model.assign(m);
  return FieldVerdict::next;
}

FieldVerdict read_provider_preferences(simdjson::ondemand::value& v, ProviderPreferences& prefs, ApiError& error) {
  if (read_provider_field(v, prefs)) return FieldVerdict::next;
  error = ApiError::bad_request("'provider' must be a provider id, an array of ids, or {order, only, ignore, allow_fallbacks}, "
                                "with at most " + std::to_string(limits::kMaxProviderListEntries) + " ids per list.",
                                "invalid_type", "provider");
  return FieldVerdict::refused;
}

ApiError too_many_fallback_models() {
  return ApiError::bad_request("'models' takes at most " + std::to_string(limits::kMaxFallbackModels) + " model ids of at most " +
                                   std::to_string(limits::kMaxModelIdLength) + " bytes each.",
                               "invalid_value", "models");
}

bool check_required(std::string_view model, bool has_field, const char* field, const char* missing, ApiError& error) {
  if (model.empty()) {
    error = ApiError::bad_request("'model' is required.", "missing_required_parameter", "model");
    return false;
  }
  if (!has_field) {
    error = ApiError::bad_request(missing, "missing_required_parameter", field);
    return false;
  }
  return true;
}

void keep_field(std::string& kept_fields, std::string_view raw_key, std::string_view raw) {
  if (!kept_fields.empty()) kept_fields.push_back(',');
  kept_fields.append(raw_key);
  kept_fields.push_back(':');
  kept_fields.append(raw);
}

}  // namespace keyaos::openai
