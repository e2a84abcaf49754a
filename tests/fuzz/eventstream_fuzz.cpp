// Fuzz target for the AWS event-stream decoder and the Kiro stream translator.
// Built and run by `npm run fuzz -- --target eventstream`; its corpus
// (tests/fuzz/corpus/eventstream) is replayed by the Catch2 suite.
//
// The input is the raw upstream body. Split points come from a PRNG seeded
// with the input's CRC, so a corpus file replays the same way everywhere.
// Properties checked (FUZZ_REQUIRE):
//   - decoding in one piece and in random pieces yields the same messages and
//     the same error; the decoder always ends decided (ok or failed);
//   - the translator's output does not depend on the split, and after
//     finish() exactly one of finished()/failed() holds;
//   - a successful translation ends with "data: [DONE]\n\n".
// Random bytes rarely pass the CRCs, so the input is also read a second way:
// split at NUL bytes into (event type, payload) pairs and sealed into valid
// frames, which drives arbitrary JSON through the event handlers. An event
// type starting with '!' makes an exception frame of that type.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/aws_eventstream/crc32.h"
#include "protocols/aws_eventstream/decoder.h"
#include "protocols/aws_eventstream/encoder.h"
#include "protocols/kiro/stream_translator.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

using namespace keyaos::aws_eventstream;
using keyaos::fuzz::SplitPlan;

struct Decoded {
  std::vector<std::string> messages;  // re-encoded, for comparison
  bool ok = false;
  std::string error;
};

Decoded decode(std::string_view data, const DecoderLimits& limits, bool split) {
  Decoder decoder(limits);
  std::vector<Message> out;
  if (split) {
    SplitPlan plan(data);
    size_t at = 0;
    while (at < data.size()) {
      const size_t n = plan.next();
      decoder.feed(data.substr(at, n), out);
      at += n;
      FUZZ_REQUIRE(decoder.buffered_bytes() <= limits.max_message_bytes);
    }
  } else {
    decoder.feed(data, out);
  }
  Decoded d;
  d.ok = decoder.finish();
  FUZZ_REQUIRE(d.ok != decoder.failed());
  FUZZ_REQUIRE(d.ok || !decoder.error().empty());
  d.error = decoder.error();
  for (const Message& m : out) d.messages.push_back(keyaos::aws_eventstream::encode(m));
  return d;
}

struct Translated {
  std::string out;
  bool failed = false;
  bool finished = false;
};

Translated translate(std::string_view data, const keyaos::kiro::ReplyOptions& options, bool split) {
  keyaos::kiro::KiroStreamTranslator translator(options);
  Translated t;
  if (split) {
    SplitPlan plan(data);
    size_t at = 0;
    while (at < data.size()) {
      const size_t n = plan.next();
      translator.feed(data.substr(at, n), t.out);
      at += n;
    }
  } else {
    translator.feed(data, t.out);
  }
  translator.finish(t.out);
  t.failed = translator.failed();
  t.finished = translator.finished();
  FUZZ_REQUIRE(t.failed != t.finished);
  if (t.finished) {
    FUZZ_REQUIRE(t.out.size() >= 14 && t.out.compare(t.out.size() - 14, 14, "data: [DONE]\n\n") == 0);
  }
  return t;
}

// Frames with valid CRCs built from NUL-separated (event type, payload) pairs.
std::string sealed_frames(std::string_view data) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= data.size(); ++i) {
    if (i == data.size() || data[i] == '\0') {
      parts.push_back(data.substr(start, i - start));
      start = i + 1;
    }
  }
  std::string out;
  for (size_t i = 0; i + 1 < parts.size(); i += 2) {
    Message m;
    using keyaos::aws_eventstream::Header;
    if (!parts[i].empty() && parts[i][0] == '!') {
      m.headers.push_back(Header::make_string(":exception-type", std::string(parts[i].substr(1))));
      m.headers.push_back(Header::make_string(":message-type", "exception"));
    } else {
      m.headers.push_back(Header::make_string(":event-type", std::string(parts[i])));
      m.headers.push_back(Header::make_string(":message-type", "event"));
    }
    m.payload = std::string(parts[i + 1]);
    out += keyaos::aws_eventstream::encode(m);
  }
  return out;
}

}  // namespace

int fuzz_eventstream(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);

  const DecoderLimits small{4096, 1024};
  for (const DecoderLimits& limits : {DecoderLimits{}, small}) {
    const Decoded whole = decode(data, limits, false);
    const Decoded pieces = decode(data, limits, true);
    FUZZ_REQUIRE(whole.ok == pieces.ok);
    FUZZ_REQUIRE(whole.error == pieces.error);
    FUZZ_REQUIRE(whole.messages == pieces.messages);
    // Whatever decoded re-encodes to bytes that decode to the same message.
    for (const std::string& wire : whole.messages) {
      std::vector<Message> again;
      std::string error;
      FUZZ_REQUIRE(keyaos::aws_eventstream::decode_all(wire, again, error, limits) == DecodeStatus::ok);
      FUZZ_REQUIRE(again.size() == 1 && keyaos::aws_eventstream::encode(again[0]) == wire);
    }
  }

  keyaos::kiro::ReplyOptions options;
  options.response_id = "chatcmpl-fuzz";
  options.created_s = 1787394765;
  options.model = "anthropic/claude-sonnet-4.5";
  options.now_ms = 1787394765144;
  const std::string sealed = sealed_frames(data);
  for (std::string_view stream : {data, std::string_view(sealed)}) {
    for (bool thinking : {false, true}) {
      options.thinking = thinking;
      const Translated whole = translate(stream, options, false);
      const Translated pieces = translate(stream, options, true);
      FUZZ_REQUIRE(whole.out == pieces.out);
      FUZZ_REQUIRE(whole.failed == pieces.failed);
      const keyaos::kiro::KiroCompletion completion = keyaos::kiro::translate_completion(stream, options);
      FUZZ_REQUIRE(completion.ok == whole.finished);
    }
  }
  return 0;
}
