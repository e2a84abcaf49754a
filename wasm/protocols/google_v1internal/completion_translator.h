#pragma once
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"
#include "protocols/google_v1internal/thought_signatures.h"
#include "protocols/google_v1internal/translation_options.h"

namespace keyaos::google_v1internal {

struct CompletionResult {
  bool ok = false;
  std::string body;  // OpenAI chat.completion JSON
  Usage usage;
  std::string finish_reason;
  ThoughtSignatures thought_signatures;  // tool_call_id → thoughtSignature
  UpstreamError error;
};

// A non-streaming answer → one OpenAI chat.completion. Accepts the single
// envelope of :generateContent and the JSON array of envelopes that
// :streamGenerateContent returns without alt=sse (merged in order; usage from
// the last snapshot). Non-2xx statuses and error bodies are classified.
CompletionResult translate_generate_content(int http_status, std::string_view body, const TranslationOptions& options);

}  // namespace keyaos::google_v1internal
