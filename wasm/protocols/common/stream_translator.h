#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"

namespace keyaos {

// Incremental translation of an upstream response stream into OpenAI
// `chat.completion.chunk` SSE. Bytes may be split anywhere (mid-frame,
// mid-line, mid-UTF-8 sequence); the output must not depend on the split.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;

  // Consume upstream bytes; append any complete OpenAI SSE events to `out`.
  virtual void feed(std::string_view bytes, std::string& out) = 0;

  // The upstream closed. Append what remains: the finish chunk, the usage
  // chunk and `data: [DONE]\n\n` on success; nothing on failure (the caller
  // decides how to report it from error()).
  virtual void finish(std::string& out) = 0;

  // Some client-visible content (text, reasoning, tool call) has been emitted.
  // Before this, a failure can still fail over to another upstream.
  virtual bool content_started() const = 0;
  // The upstream signalled a proper end (finish reason / final event).
  virtual bool finished() const = 0;
  // The stream carried an error, or could not be decoded.
  virtual bool failed() const = 0;
  virtual const UpstreamError& error() const = 0;

  // Usage as reported by the upstream (read once, from the final numbers).
  virtual const Usage& usage() const = 0;

  // Malformed upstream events left out of the client's stream after content
  // started (noted on the attempt's row).
  virtual int64_t dropped_events() const { return 0; }
};

}  // namespace keyaos
