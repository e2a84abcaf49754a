#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/common/upstream_error.h"
#include "protocols/common/usage.h"
#include "simdjson.h"

namespace keyaos::openai {

// Watches an OpenAI-protocol SSE stream: whether content has started,
// whether it finished properly, mid-stream errors, and the usage (the last
// usage object wins, so cumulative reports are never summed). With a `relay`
// buffer it also hands on each complete, well-formed event byte for byte, so
// a client only ever sees whole events that parse. An error event is the
// exception: its text could identify the credential, so it is relayed as
// client_view shows it (e-mails and key-like strings redacted, a refused
// credential's reason withheld).
//
// Bytes may arrive split anywhere; the usage, the flags and the relayed bytes
// do not depend on the split. Memory is bounded whatever the stream's length:
// only the event being assembled is kept, as raw bytes and as its data, each
// at most kMaxEventBytes (buffer capacity up to twice that) plus the parser's
// buffers for it; after an event over 64 KiB they are given back. So a
// stream of small events holds a few KiB, and none holds more than about
// 4 x kMaxEventBytes + the parser's share, and only during such an event.
class SseScanner {
 public:
  // The largest single event accepted. A bigger one fails the stream.
  static constexpr size_t kMaxEventBytes = 4u << 20;

  void feed(std::string_view bytes, std::string* relay = nullptr);
  // The upstream closed: a trailing event without its blank line still
  // counts, and is relayed with the blank line added.
  void end(std::string* relay = nullptr);

  bool content_started() const { return content_started_; }
  bool finished() const { return finish_seen_; }   // a finish_reason arrived
  bool done() const { return done_seen_; }         // data: [DONE]
  bool failed() const { return failed_; }
  bool overflowed() const { return overflowed_; }  // an event over kMaxEventBytes
  const UpstreamError& error() const { return error_; }
  const Usage& usage() const { return usage_; }
  const std::string& model() const { return model_; }
  const std::string& finish_reason() const { return finish_reason_; }
  // Characters of generated text, for estimating usage the upstream omitted.
  int64_t output_chars() const { return output_chars_; }
  int64_t events() const { return events_; }
  // Malformed events after content started: dropped, never relayed.
  int64_t dropped_events() const { return dropped_; }
  // Bytes held between feeds (buffer capacities and the parser's document
  // capacity), for the memory bound.
  size_t retained_bytes() const { return pending_.capacity() + data_.capacity() + parser_.capacity(); }

 private:
  bool line(std::string_view line);  // true for the blank line that ends an event
  bool dispatch();  // false: the event is not to be relayed
  bool event();     // parses data_; false when malformed
  void overflow();
  void release();   // gives back the capacity a large event left behind
  void client_error_event();  // sets replacement_ for the error event in data_

  // Bytes of the current event not yet relayed, from earlier feeds; the
  // unfinished line (if any) starts at line_start_.
  std::string pending_;
  size_t line_start_ = 0;
  std::string data_;  // data lines of the event being assembled (parsed in place)
  bool has_data_ = false;
  // The error event just dispatched as a client may see it, relayed in place
  // of its bytes; empty when its bytes reveal nothing about the credential.
  std::string replacement_;
  simdjson::ondemand::parser parser_;

  bool content_started_ = false;
  bool finish_seen_ = false;
  bool done_seen_ = false;
  bool failed_ = false;
  bool overflowed_ = false;
  UpstreamError error_;
  Usage usage_;
  std::string model_;
  std::string finish_reason_;
  int64_t output_chars_ = 0;
  int64_t events_ = 0;
  int64_t dropped_ = 0;
};

}  // namespace keyaos::openai
