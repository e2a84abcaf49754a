#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/upstream_error.h"

// Antigravity's model catalogue: POST /v1internal:fetchAvailableModels.
namespace keyaos::google_v1internal {

// {"project":"<id>"}, or {} when the project is not known yet.
std::string build_fetch_available_models_body(std::string_view project_id);

struct AvailableModel {
  std::string id;
  std::string display_name;
  int64_t max_tokens = 0;         // context window, 0 when not stated
  int64_t max_output_tokens = 0;
  bool web_search = false;        // listed in webSearchModelIds
};

struct AvailableModelsResult {
  bool ok = false;
  std::vector<AvailableModel> models;  // in the order the upstream lists them
  UpstreamError error;
};

// {"models":{"<id>":{"displayName","maxTokens","maxOutputTokens",…}},"webSearchModelIds":[…]}
AvailableModelsResult parse_available_models(int http_status, std::string_view body, int64_t now_ms);

}  // namespace keyaos::google_v1internal
