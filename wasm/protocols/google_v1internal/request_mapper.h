#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/google_v1internal/product.h"
#include "protocols/google_v1internal/thought_signatures.h"

// OpenAI chat request → v1internal generate envelope:
//   {model, project, user_prompt_id?, request:{contents, systemInstruction,
//    tools, toolConfig, generationConfig, session_id?}}
// and, for Antigravity, {model, project, userAgent, requestType, requestId,
//   request:{…, sessionId}}.
namespace keyaos::google_v1internal {

struct RequestMappingOptions {
  Product product = Product::gemini_cli;
  std::string project_id;
  // Upstream model id; empty: the request's model without its vendor prefix.
  std::string model;
  // Conversation id. gemini-cli: request.session_id and user_prompt_id
  // "<session>########<prompt_index>" (both left out when empty).
  // Antigravity: request.sessionId, derived from the first user message when empty.
  std::string session_id;
  int prompt_index = 1;
  // Antigravity requestId: "agent-<uuid>" ("image_gen/<now_ms>/<uuid>/12" for image models).
  std::string request_uuid;
  int64_t now_ms = 0;
  // Signatures recorded from earlier answers; calls without one get the
  // documented bypass value.
  const ThoughtSignatures* thought_signatures = nullptr;
};

struct MappedRequest {
  bool ok = false;
  std::string model;  // upstream model id
  std::string body;   // JSON envelope
  UpstreamError error;  // bad_request when the request cannot be expressed
};

// The body is read once, with simdjson On-Demand, in its own member order (a
// member given twice counts as the last); only what is rewritten as a tree
// (tool schemas, call arguments, the response schema) becomes one, keeping
// the client's key order (JSON Schema property order steers structured
// output).
MappedRequest map_chat_request(std::string_view request_body, const RequestMappingOptions& options);

// "google/gemini-2.5-pro" → "gemini-2.5-pro"; "models/x" → "x".
std::string upstream_model_id(std::string_view model);

}  // namespace keyaos::google_v1internal
