// Fuzz target for the AWS event-stream decoder and the Kiro stream translator.
//
// Build and run (from the repository root, after a native CMake configure
// into build-kiro so that build-kiro/third_party/include exists):
//
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
//     -fno-exceptions -fno-rtti -DJSON_NOEXCEPTION=1 -DJSON_USE_IMPLICIT_CONVERSIONS=0 -DSIMDJSON_EXCEPTIONS=0 \
//     -Iwasm -isystem build-kiro/third_party/include \
//     tests/fuzz/eventstream_fuzz.cpp wasm/protocols/aws_eventstream/*.cpp wasm/protocols/kiro/*.cpp \
//     wasm/protocols/common/*.cpp node_modules/@nozbe/simdjson/src/simdjson.cpp -o build-kiro/eventstream_fuzz
//   mkdir -p /tmp/es-corpus && build-kiro/eventstream_fuzz -max_total_time=60 -max_len=4096 \
//     /tmp/es-corpus tests/fuzz/corpus/eventstream
//   # keep the seed corpus small: merge new finds into it
//   build-kiro/eventstream_fuzz -merge=1 tests/fuzz/corpus/eventstream /tmp/es-corpus
//
// The input is the raw upstream body. Split points come from a PRNG seeded
// with the input's CRC, so a corpus file replays the same way everywhere, and
// the Catch2 test "the event-stream fuzz corpus replays cleanly" runs the
// corpus without libFuzzer. Properties checked (a violation aborts):
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

namespace {

using keyaos::aws_eventstream::DecodeStatus;
using keyaos::aws_eventstream::Decoder;
using keyaos::aws_eventstream::DecoderLimits;
using keyaos::aws_eventstream::Message;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

struct SplitPlan {
  explicit SplitPlan(std::string_view data)
      : state_(keyaos::aws_eventstream::crc32(reinterpret_cast<const uint8_t*>(data.data()), data.size()) | 1u) {}
  // Next piece length: mostly tiny (prelude and header boundaries), sometimes large.
  size_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    const uint32_t r = state_;
    if ((r & 3u) == 0) return 1 + (r >> 8) % 512;
    return 1 + (r >> 8) % 16;
  }

 private:
  uint32_t state_;
};

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
      require(decoder.buffered_bytes() <= limits.max_message_bytes);
    }
  } else {
    decoder.feed(data, out);
  }
  Decoded d;
  d.ok = decoder.finish();
  require(d.ok != decoder.failed());
  require(d.ok || !decoder.error().empty());
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
  require(t.failed != t.finished);
  if (t.finished) {
    require(t.out.size() >= 14 && t.out.compare(t.out.size() - 14, 14, "data: [DONE]\n\n") == 0);
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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);

  const DecoderLimits small{4096, 1024};
  for (const DecoderLimits& limits : {DecoderLimits{}, small}) {
    const Decoded whole = decode(data, limits, false);
    const Decoded pieces = decode(data, limits, true);
    require(whole.ok == pieces.ok);
    require(whole.error == pieces.error);
    require(whole.messages == pieces.messages);
    // Whatever decoded re-encodes to bytes that decode to the same message.
    for (const std::string& wire : whole.messages) {
      std::vector<Message> again;
      std::string error;
      require(keyaos::aws_eventstream::decode_all(wire, again, error, limits) == DecodeStatus::ok);
      require(again.size() == 1 && keyaos::aws_eventstream::encode(again[0]) == wire);
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
      require(whole.out == pieces.out);
      require(whole.failed == pieces.failed);
      const keyaos::kiro::KiroCompletion completion = keyaos::kiro::translate_completion(stream, options);
      require(completion.ok == whole.finished);
    }
  }
  return 0;
}
