#include "protocols/google_v1internal/finish_reason.h"

namespace keyaos::google_v1internal {

std::string_view openai_finish_reason(std::string_view reason, bool called_tools) {
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT" ||
      reason == "SPII" || reason == "IMAGE_SAFETY" || reason == "IMAGE_PROHIBITED_CONTENT" ||
      reason == "IMAGE_RECITATION" || reason == "MODEL_ARMOR") {
    return "content_filter";
  }
  // STOP, and the reasons OpenAI has no word for (OTHER, LANGUAGE,
  // MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, …).
  return called_tools ? "tool_calls" : "stop";
}

}  // namespace keyaos::google_v1internal
