#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"
#include "simdjson.h"

namespace keyaos::openai {

// Watches an OpenAI-protocol SSE stream without changing it: whether content
// has started, whether it finished properly, mid-stream errors, and the usage
// (the last usage object wins, so cumulative reports are never summed).
// Bytes may arrive split anywhere.
class SseScanner {
 public:
  void feed(std::string_view bytes);
  // The upstream closed: a trailing event without its blank line still counts.
  void end();

  bool content_started() const { return content_started_; }
  bool finished() const { return finish_seen_; }   // a finish_reason arrived
  bool done() const { return done_seen_; }         // data: [DONE]
  bool failed() const { return failed_; }
  const UpstreamError& error() const { return error_; }
  const Usage& usage() const { return usage_; }
  const std::string& model() const { return model_; }
  const std::string& finish_reason() const { return finish_reason_; }
  // Characters of generated text, for estimating usage the upstream omitted.
  int64_t output_chars() const { return output_chars_; }
  int64_t events() const { return events_; }

 private:
  void line(std::string_view line);
  void dispatch();
  void event();  // parses data_

  std::string partial_;  // an incomplete line carried between feeds
  std::string data_;     // data lines of the event being assembled (parsed in place)
  bool has_data_ = false;
  simdjson::ondemand::parser parser_;

  bool content_started_ = false;
  bool finish_seen_ = false;
  bool done_seen_ = false;
  bool failed_ = false;
  UpstreamError error_;
  Usage usage_;
  std::string model_;
  std::string finish_reason_;
  int64_t output_chars_ = 0;
  int64_t events_ = 0;
};

}  // namespace keyaos::openai
