#include "protocols/google_v1internal/project_discovery.h"

#include <nlohmann/json.hpp>

#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/google_v1internal/answer_object.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {
namespace {

using nlohmann::ordered_json;
using simdjson::ondemand::array;
using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

ordered_json project_or_null(std::string_view project_id) {
  return project_id.empty() ? ordered_json(nullptr) : ordered_json(std::string(project_id));
}

std::string dump(const ordered_json& j) { return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace); }


// cloudaicompanionProject is a string, or {"id":…,"name":…}.
bool read_project(value& v, std::string& project_id) {
  std::string_view text;
  if (json_read::string(v, text)) {
    project_id = std::string(text);
    return true;
  }
  object obj;
  if (!json_read::is(v, json_type::object) || v.get_object().get(obj)) return false;
  value id;
  if (obj.find_field_unordered("id").get(id) || !json_read::string(id, text)) return false;
  project_id = std::string(text);
  return true;
}

struct Tier {
  std::string id;
  bool is_default = false;
  bool user_defined_project = false;
};

bool read_tier(value& v, Tier& tier) {
  object obj;
  if (!json_read::is(v, json_type::object) || v.get_object().get(obj)) return false;
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    std::string_view key, text;
    if (!json_read::field_key(field_result, field, key)) return false;
    value fv = field.value();
    if (key == "id" && json_read::string(fv, text)) tier.id = std::string(text);
    else if (key == "isDefault") json_read::boolean(fv, tier.is_default);
    else if (key == "userDefinedCloudaicompanionProject") json_read::boolean(fv, tier.user_defined_project);
  }
  return !tier.id.empty();
}

struct Ineligibility {
  std::string reason_code;
  std::string message;
  std::string validation_url;
};

}  // namespace

std::string build_load_code_assist_body(Product product, std::string_view project_id) {
  if (product == Product::antigravity) {
    ordered_json body;
    if (!project_id.empty()) body["cloudaicompanionProject"] = std::string(project_id);
    body["metadata"] = {{"ideType", "ANTIGRAVITY"}};
    return dump(body);
  }
  ordered_json body;
  body["cloudaicompanionProject"] = project_or_null(project_id);
  body["metadata"] = ordered_json::object();
  body["metadata"]["ideType"] = "IDE_UNSPECIFIED";
  body["metadata"]["platform"] = "PLATFORM_UNSPECIFIED";
  body["metadata"]["pluginType"] = "GEMINI";
  body["metadata"]["duetProject"] = project_or_null(project_id);
  return dump(body);
}

LoadCodeAssistResult parse_load_code_assist(int http_status, std::string_view body, int64_t now_ms) {
  LoadCodeAssistResult result;
  AnswerObject answer(http_status, body, now_ms, "loadCodeAssist");
  if (!answer.ok()) {
    result.error = answer.error();
    return result;
  }
  object& top = answer.top();
  Tier current, paid, default_tier;
  bool has_current = false;
  std::string billing_project;
  Ineligibility ineligible;
  for (auto field_result : top) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (!json_read::field_key(field_result, field, key)) {
      result.error = unreadable_answer("loadCodeAssist returned unreadable JSON");
      return result;
    }
    value v = field.value();
    if (key == "currentTier") {
      has_current = read_tier(v, current);
    } else if (key == "paidTier") {
      read_tier(v, paid);
    } else if (key == "cloudaicompanionProject") {
      read_project(v, result.project_id);
    } else if (key == "billingProject") {
      read_project(v, billing_project);
    } else if (key == "allowedTiers" && json_read::is(v, json_type::array)) {
      array tiers;
      if (v.get_array().get(tiers)) continue;
      for (auto item_result : tiers) {
        value item;
        Tier tier;
        if (std::move(item_result).get(item) || !read_tier(item, tier)) continue;
        if (tier.is_default && default_tier.id.empty()) default_tier = tier;
      }
    } else if (key == "ineligibleTiers" && json_read::is(v, json_type::array)) {
      array tiers;
      if (v.get_array().get(tiers)) continue;
      for (auto item_result : tiers) {
        value item;
        object obj;
        // The first ineligible tier explains the account's situation.
        if (!ineligible.reason_code.empty()) continue;
        if (std::move(item_result).get(item) || item.get_object().get(obj)) continue;
        for (auto f_result : obj) {
          simdjson::ondemand::field f;
          std::string_view k, text;
          if (!json_read::field_key(f_result, f, k)) break;
          value fv = f.value();
          if (!json_read::string(fv, text)) continue;
          if (k == "reasonCode") ineligible.reason_code = std::string(text);
          else if (k == "reasonMessage") ineligible.message = std::string(text);
          else if (k == "validationUrl") ineligible.validation_url = std::string(text);
        }
      }
    }
  }
  if (result.project_id.empty()) result.project_id = billing_project;

  if (has_current) {
    result.ok = true;
    result.onboarded = true;
    result.tier_id = !paid.id.empty() ? paid.id : current.id;
    result.tier_needs_user_project = current.user_defined_project;
    return result;
  }
  if (default_tier.id.empty() && !ineligible.reason_code.empty()) {
    // No tier this account may use: the credential cannot serve requests.
    UpstreamError& e = result.error;
    e.error_class = ErrorClass::auth;
    e.http_status = 403;
    e.type = "authentication_error";
    e.code = ineligible.reason_code;
    e.message = ineligible.message.empty() ? "The Google account is not eligible for Code Assist (" +
                                                 ineligible.reason_code + ")"
                                           : ineligible.message;
    if (!ineligible.validation_url.empty()) e.message += " (verify the account at " + ineligible.validation_url + ")";
    return result;
  }
  result.ok = true;
  result.tier_id = !default_tier.id.empty() ? default_tier.id : std::string(kLegacyTierId);
  result.tier_needs_user_project = default_tier.user_defined_project;
  return result;
}

std::string build_onboard_user_body(Product product, std::string_view tier_id, std::string_view project_id,
                                    std::string_view antigravity_version) {
  if (product == Product::antigravity) {
    ordered_json body;
    body["tier_id"] = std::string(tier_id);
    body["metadata"] = ordered_json::object();
    body["metadata"]["ide_type"] = "ANTIGRAVITY";
    body["metadata"]["ide_version"] = std::string(antigravity_version);
    body["metadata"]["ide_name"] = "antigravity";
    return dump(body);
  }
  bool free_tier = tier_id == kFreeTierId;
  std::string_view project = free_tier ? std::string_view() : project_id;
  ordered_json body;
  body["tierId"] = std::string(tier_id);
  body["cloudaicompanionProject"] = project_or_null(project);
  body["metadata"] = ordered_json::object();
  body["metadata"]["ideType"] = "IDE_UNSPECIFIED";
  body["metadata"]["platform"] = "PLATFORM_UNSPECIFIED";
  body["metadata"]["pluginType"] = "GEMINI";
  if (!project.empty()) body["metadata"]["duetProject"] = std::string(project);
  return dump(body);
}

OnboardOperation parse_onboard_operation(int http_status, std::string_view body, int64_t now_ms) {
  OnboardOperation op;
  AnswerObject answer(http_status, body, now_ms, "onboardUser");
  if (!answer.ok()) {
    op.error = answer.error();
    return op;
  }
  object& top = answer.top();
  bool failed = false;
  for (auto field_result : top) {
    simdjson::ondemand::field field;
    std::string_view key, text;
    if (!json_read::field_key(field_result, field, key)) {
      op.error = unreadable_answer("onboardUser returned unreadable JSON");
      return op;
    }
    value v = field.value();
    if (key == "name" && json_read::string(v, text)) {
      op.name = std::string(text);
    } else if (key == "done") {
      json_read::boolean(v, op.done);
    } else if (key == "error") {
      failed = true;
    } else if (key == "response" && json_read::is(v, json_type::object)) {
      object response;
      if (v.get_object().get(response)) continue;
      value project;
      if (!response.find_field_unordered("cloudaicompanionProject").get(project)) read_project(project, op.project_id);
    }
  }
  if (failed) {
    // A finished operation that carries a google.rpc.Status instead of a response.
    op.error = classify_error(400, body, now_ms);
    if (op.error.error_class == ErrorClass::bad_request) op.error.error_class = ErrorClass::auth;
    return op;
  }
  op.ok = true;
  return op;
}

}  // namespace keyaos::google_v1internal
