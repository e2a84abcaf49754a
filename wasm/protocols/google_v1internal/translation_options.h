#pragma once
#include <cstdint>
#include <string>

namespace keyaos::google_v1internal {

// How a translated response names itself. OpenAI repeats id, created and
// model on every chunk; the caller chooses them (for instance
// "chatcmpl-<traceId>" and the model the client asked for).
struct TranslationOptions {
  std::string id;
  int64_t created_s = 0;
  std::string model;
  // Ids for function calls that arrive without one: prefix + call index.
  // Empty: "call_<id without its chatcmpl- prefix>_".
  std::string tool_call_id_prefix;
  // Turns quota reset times inside in-stream errors into retry delays.
  int64_t now_ms = 0;
};

// The prefix TranslationOptions::tool_call_id_prefix defaults to.
std::string default_tool_call_id_prefix(const TranslationOptions& options);

}  // namespace keyaos::google_v1internal
