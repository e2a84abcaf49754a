#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/usage.h"
#include "simdjson.h"

// Reads one v1internal response envelope with simdjson On-Demand:
//   {"response":{"candidates":[{"content":{"parts":[…]},"finishReason"}],
//    "usageMetadata":{…},"promptFeedback"?},"traceId"}
// A bare response object (no envelope) is read the same way, and
// {"error":{…}} is flagged for classify_error.
namespace keyaos::google_v1internal {

struct ResponsePart {
  enum class Kind { text, function_call };
  Kind kind = Kind::text;
  std::string_view text;
  bool thought = false;
  std::string_view thought_signature;
  std::string_view function_name;
  std::string_view function_id;
  std::string function_args;  // compact JSON object, in the upstream's key order
};

// What translation needs from one envelope. Views point into the parser's
// buffers and stay valid until it reads another document.
struct ResponseChunk {
  bool is_error = false;
  bool has_candidates = false;
  std::vector<ResponsePart> parts;  // of the first candidate (index 0)
  std::string_view finish_reason;
  std::string_view block_reason;    // promptFeedback.blockReason
  bool has_usage = false;
  Usage usage;                      // this envelope's snapshot of the running totals
  std::string_view response_id;
  std::string_view model_version;
  std::string_view trace_id;

  void clear();
};

// Reads `length` bytes at `json`; `capacity` bytes must be readable
// (at least length + SIMDJSON_PADDING). False when the JSON is unreadable.
bool read_response_chunk(simdjson::ondemand::parser& parser, const char* json, size_t length, size_t capacity,
                         ResponseChunk& chunk);
// Reads an envelope object inside a larger document (the JSON array that
// streamGenerateContent returns without alt=sse).
bool read_response_envelope(simdjson::ondemand::object envelope, ResponseChunk& chunk);

// OpenAI usage from Gemini usageMetadata counts: completion includes thoughts,
// prompt includes tool-use prompt tokens (both billed as such by Google).
Usage usage_from_metadata(int64_t prompt, int64_t candidates, int64_t thoughts, int64_t cached, int64_t tool_use_prompt);

}  // namespace keyaos::google_v1internal
