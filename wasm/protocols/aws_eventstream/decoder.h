#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/aws_eventstream/message.h"

namespace keyaos::aws_eventstream {

// Sizes from aws-c-event-stream; the prelude, both CRCs and the headers all
// count towards the message size.
struct DecoderLimits {
  size_t max_message_bytes = 16u * 1024u * 1024u;
  size_t max_headers_bytes = 128u * 1024u;
};

inline constexpr size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
inline constexpr size_t kMinMessageBytes = kPreludeBytes + 4;
inline constexpr size_t kMaxHeaderNameBytes = 127;

enum class DecodeStatus { ok, error };

// Incremental decoder of `application/vnd.amazon.eventstream` bytes.
// Input may be split at any byte; several messages may arrive in one feed.
// Both CRCs are verified. The first corrupt, oversized or malformed message
// makes the decoder fail for good: later feeds are ignored, and memory stays
// bounded by one message of at most `max_message_bytes`.
class Decoder {
 public:
  explicit Decoder(DecoderLimits limits = {}) : limits_(limits) {}

  // Appends every message completed by `bytes` to `out`.
  DecodeStatus feed(std::string_view bytes, std::vector<Message>& out);
  // The input ended. True when it ended on a message boundary; otherwise the
  // decoder fails with a "truncated" error.
  bool finish();

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  // Bytes of an incomplete message held until more input arrives.
  size_t buffered_bytes() const { return pending_.size(); }
  // Messages decoded so far.
  uint64_t message_count() const { return message_count_; }

 private:
  // Length of the message starting at `prelude` (12 bytes), or 0 after failing.
  size_t check_prelude(const uint8_t* prelude);
  // Decodes one complete message of `size` bytes; false after failing.
  bool decode_message(const uint8_t* data, size_t size, std::vector<Message>& out);
  DecodeStatus fail(std::string message);

  DecoderLimits limits_;
  std::string pending_;
  size_t pending_total_ = 0;  // length of the message in pending_, once its prelude is in
  uint64_t message_count_ = 0;
  uint64_t offset_ = 0;  // stream offset of the message being decoded, for errors
  bool failed_ = false;
  std::string error_;
};

// Decodes a buffer that holds whole messages only (e.g. a nested stream).
DecodeStatus decode_all(std::string_view bytes, std::vector<Message>& out, std::string& error,
                        DecoderLimits limits = {});

}  // namespace keyaos::aws_eventstream
