#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace keyaos::google_v1internal {

// Gemini signs its reasoning before a function call (Part.thoughtSignature)
// and, on Gemini 3, refuses a replayed function call without it. The stream
// translator records tool_call_id → signature; the caller keeps the map with
// the conversation and hands it to the request mapper on the next turn.
using ThoughtSignatures = std::map<std::string, std::string, std::less<>>;

// Google's documented value for function calls the model did not sign (history
// from another model, hand-written transcripts, lost signatures).
inline constexpr std::string_view kSkipThoughtSignatureValidator = "skip_thought_signature_validator";

}  // namespace keyaos::google_v1internal
