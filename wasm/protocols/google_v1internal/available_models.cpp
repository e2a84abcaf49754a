#include "protocols/google_v1internal/available_models.h"

#include <nlohmann/json.hpp>

#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/google_v1internal/json_read.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {
namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

bool read_model(object obj, AvailableModel& model) {
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    std::string_view key, text;
    if (!json_read::field_key(field_result, field, key)) return false;
    value v = field.value();
    if (key == "displayName" && json_read::string(v, text)) model.display_name = std::string(text);
    else if (key == "maxTokens") json_read::int64(v, model.max_tokens);
    else if (key == "maxOutputTokens") json_read::int64(v, model.max_output_tokens);
  }
  return true;
}

AvailableModelsResult unreadable() {
  AvailableModelsResult result;
  result.error = unreadable_answer("fetchAvailableModels returned unreadable JSON");
  return result;
}

}  // namespace

std::string build_fetch_available_models_body(std::string_view project_id) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  if (!project_id.empty()) body["project"] = std::string(project_id);
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

AvailableModelsResult parse_available_models(int http_status, std::string_view body, int64_t now_ms) {
  AvailableModelsResult result;
  AnswerObject answer(http_status, body, now_ms, "fetchAvailableModels");
  if (!answer.ok()) {
    result.error = answer.error();
    return result;
  }
  object& top = answer.top();
  std::vector<std::string> web_search_ids;
  for (auto field_result : top) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (!json_read::field_key(field_result, field, key)) return unreadable();
    value v = field.value();
    if (key == "models" && json_read::is(v, json_type::object)) {
      object models;
      if (v.get_object().get(models)) return unreadable();
      for (auto model_result : models) {
        simdjson::ondemand::field model_field;
        std::string_view id;
        if (!json_read::field_key(model_result, model_field, id)) return unreadable();
        AvailableModel model;
        model.id = std::string(id);
        value mv = model_field.value();
        object model_obj;
        if (json_read::is(mv, json_type::object) && !mv.get_object().get(model_obj) && !read_model(model_obj, model)) {
          return unreadable();
        }
        result.models.push_back(std::move(model));
      }
    } else if (key == "webSearchModelIds" && json_read::is(v, json_type::array)) {
      simdjson::ondemand::array ids;
      if (v.get_array().get(ids)) return unreadable();
      for (auto id_result : ids) {
        value idv;
        std::string_view id;
        if (!std::move(id_result).get(idv) && json_read::string(idv, id)) web_search_ids.emplace_back(id);
      }
    }
  }
  for (auto& model : result.models) {
    for (const auto& id : web_search_ids) model.web_search = model.web_search || id == model.id;
  }
  result.ok = true;
  return result;
}

}  // namespace keyaos::google_v1internal
