#include <catch2/catch.hpp>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "protocols/aws_eventstream/crc32.h"
#include "protocols/aws_eventstream/decoder.h"
#include "protocols/aws_eventstream/encoder.h"

using namespace keyaos::aws_eventstream;

namespace {

uint32_t crc_of(std::string_view s) { return crc32(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

uint32_t be32(std::string_view s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}

void put_be32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = char((v >> (8 * (3 - i))) & 0xFF);
}

// Recomputes both CRCs after a test edits a frame, so only the edit is wrong.
void reseal(std::string& frame) {
  put_be32(frame, 8, crc_of(std::string_view(frame).substr(0, 8)));
  put_be32(frame, frame.size() - 4, crc_of(std::string_view(frame).substr(0, frame.size() - 4)));
}

// A bare prelude (total length, headers length, valid prelude CRC).
std::string prelude(uint32_t total, uint32_t headers) {
  std::string p(12, '\0');
  put_be32(p, 0, total);
  put_be32(p, 4, headers);
  put_be32(p, 8, crc_of(std::string_view(p).substr(0, 8)));
  return p;
}

struct Vector {
  std::string name;
  std::string bytes;
};

// Reads aws_eventstream_reference_vectors.txt: a label then the hex, on one
// line or with the hex on the next, indented line.
std::vector<Vector> reference_vectors() {
  std::vector<Vector> out;
  std::istringstream in(read_fixture("aws_eventstream_reference_vectors.txt"));
  std::string line, pending;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t last_space = line.find_last_of(' ');
    std::string tail = last_space == std::string::npos ? line : line.substr(last_space + 1);
    const bool hex_tail = tail.size() >= 32 && tail.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex_tail) {
      pending = line;
      continue;
    }
    std::string label = line.substr(0, line.size() - tail.size());
    while (!label.empty() && label.back() == ' ') label.pop_back();
    if (label.find_first_not_of(' ') == std::string::npos) label = pending;
    out.push_back({label, from_hex(tail)});
  }
  return out;
}

std::vector<Message> decode_ok(std::string_view bytes) {
  std::vector<Message> out;
  std::string error;
  REQUIRE(decode_all(bytes, out, error) == DecodeStatus::ok);
  return out;
}

}  // namespace

TEST_CASE("crc32 is the IEEE/zlib checksum", "[eventstream]") {
  const std::string check = "123456789";
  CHECK(crc_of(check) == 0xCBF43926u);
  CHECK(crc_of("") == 0u);
  // Continuation over two buffers equals one pass.
  const uint32_t first = crc32(reinterpret_cast<const uint8_t*>(check.data()), 4);
  CHECK(crc32(reinterpret_cast<const uint8_t*>(check.data()) + 4, 5, first) == 0xCBF43926u);
}

TEST_CASE("the worked example's CRCs match protocols.md", "[eventstream]") {
  const std::string bin = read_fixture("kiro_eventstream_text.bin");
  REQUIRE(bin.size() == 578);
  CHECK(crc_of(std::string_view(bin).substr(0, 8)) == 0x7c7db5a8u);
  CHECK(be32(bin, 8) == 0x7c7db5a8u);
  CHECK(crc_of(std::string_view(bin).substr(0, 123)) == 0x9b5d0635u);
  CHECK(be32(bin, 123) == 0x9b5d0635u);
  // The .hex twin holds the same bytes.
  CHECK(from_hex(read_fixture("kiro_eventstream_text.hex")) == bin);
}

TEST_CASE("AWS reference vectors decode and re-encode byte for byte", "[eventstream]") {
  const std::vector<Vector> vectors = reference_vectors();
  REQUIRE(vectors.size() == 6);

  SECTION("empty message") {
    CHECK(vectors[0].name.find("empty_message") == 0);
    auto m = decode_ok(vectors[0].bytes);
    REQUIRE(m.size() == 1);
    CHECK(m[0].headers.empty());
    CHECK(m[0].payload.empty());
  }
  SECTION("payload only") {
    auto m = decode_ok(vectors[1].bytes);
    REQUIRE(m.size() == 1);
    CHECK(m[0].headers.empty());
    CHECK(m[0].payload == "{'foo':'bar'}");
  }
  SECTION("string header") {
    auto m = decode_ok(vectors[2].bytes);
    REQUIRE(m.size() == 1);
    REQUIRE(m[0].headers.size() == 1);
    CHECK(m[0].headers[0].name == "content-type");
    CHECK(m[0].headers[0].type == HeaderType::string);
    CHECK(m[0].string_header("content-type") == "application/json");
    CHECK(m[0].payload == "{'foo':'bar'}");
  }
  SECTION("int32 header") {
    auto m = decode_ok(vectors[3].bytes);
    REQUIRE(m.size() == 1);
    const Header* h = m[0].find("event-id");
    REQUIRE(h != nullptr);
    CHECK(h->type == HeaderType::int32);
    CHECK(h->integer == 0xA00C);
    CHECK(m[0].string_header("event-id").empty());  // not a string header
  }
  SECTION("Bedrock-style chunk") {
    auto m = decode_ok(vectors[4].bytes);
    REQUIRE(m.size() == 1);
    CHECK(m[0].string_header(":event-type") == "chunk");
    CHECK(m[0].payload == "{\"foo\":\"bar\"}");
  }
  SECTION("three headers") {
    CHECK(vectors[5].name.find(":event-type=messageStart") == 0);
    auto m = decode_ok(vectors[5].bytes);
    REQUIRE(m.size() == 1);
    REQUIRE(m[0].headers.size() == 3);
    CHECK(m[0].string_header(":event-type") == "messageStart");
    CHECK(m[0].string_header(":content-type") == "application/json");
    CHECK(m[0].string_header(":message-type") == "event");
    CHECK(m[0].payload == "{\"role\":\"assistant\"}");
  }
  for (const Vector& v : vectors) {
    auto m = decode_ok(v.bytes);
    REQUIRE(m.size() == 1);
    CHECK(encode(m[0]) == v.bytes);
  }
  // All six back to back in one feed.
  std::string all;
  for (const Vector& v : vectors) all += v.bytes;
  CHECK(decode_ok(all).size() == 6);
}

TEST_CASE("every header value type round-trips", "[eventstream]") {
  Message m;
  m.headers.push_back(Header::make_bool("t", true));
  m.headers.push_back(Header::make_bool("f", false));
  m.headers.push_back(Header::make_byte("byte", -1));
  m.headers.push_back(Header::make_int16("short", -2));
  m.headers.push_back(Header::make_int32("int", -300000));
  m.headers.push_back(Header::make_int64("long", -5000000000LL));
  m.headers.push_back(Header::make_bytes("bytes", std::string("\x00\x01\xff", 3)));
  m.headers.push_back(Header::make_string("string", "h\xc3\xa9llo"));
  m.headers.push_back(Header::make_timestamp("ts", 1787394765144LL));
  m.headers.push_back(Header::make_uuid("uuid", std::string("0123456789abcdef")));
  m.payload = std::string("binary\x00payload", 14);

  const std::string wire = encode(m);
  // Header block: names (1+len), types (1), values: 0+0+1+2+4+8+(2+3)+(2+6)+8+16.
  const size_t names = (1 + 1) + (1 + 1) + (1 + 4) + (1 + 5) + (1 + 3) + (1 + 4) + (1 + 5) + (1 + 6) + (1 + 2) + (1 + 4);
  const size_t values = 0 + 0 + 1 + 2 + 4 + 8 + 5 + 8 + 8 + 16;
  CHECK(be32(wire, 4) == names + 10 + values);
  CHECK(wire.size() == 12 + names + 10 + values + 14 + 4);

  auto out = decode_ok(wire);
  REQUIRE(out.size() == 1);
  const Message& d = out[0];
  REQUIRE(d.headers.size() == 10);
  CHECK(d.headers[0].type == HeaderType::bool_true);
  CHECK(d.headers[0].integer == 1);
  CHECK(d.headers[1].type == HeaderType::bool_false);
  CHECK(d.headers[1].integer == 0);
  CHECK(d.find("byte")->integer == -1);
  CHECK(d.find("short")->integer == -2);
  CHECK(d.find("int")->integer == -300000);
  CHECK(d.find("long")->integer == -5000000000LL);
  CHECK(d.find("bytes")->type == HeaderType::bytes);
  CHECK(d.find("bytes")->data == std::string("\x00\x01\xff", 3));
  CHECK(d.string_header("string") == "h\xc3\xa9llo");
  CHECK(d.find("ts")->type == HeaderType::timestamp);
  CHECK(d.find("ts")->integer == 1787394765144LL);
  CHECK(d.find("uuid")->type == HeaderType::uuid);
  CHECK(d.find("uuid")->data == "0123456789abcdef");
  CHECK(d.payload == m.payload);
  CHECK(d.find("missing") == nullptr);
  CHECK(encode(d) == wire);
}

TEST_CASE("input split anywhere decodes the same", "[eventstream]") {
  const std::string bin = read_fixture("kiro_eventstream_text.bin");
  const auto whole = decode_ok(bin);
  REQUIRE(whole.size() == 4);
  CHECK(whole[0].payload == "{\"content\":\"Hello\"}");
  CHECK(whole[1].payload == "{\"content\":\"! How can I help you today?\"}");
  CHECK(whole[2].string_header(":event-type") == "meteringEvent");
  CHECK(whole[3].string_header(":event-type") == "contextUsageEvent");

  auto same = [&](const std::vector<Message>& got) {
    REQUIRE(got.size() == whole.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(encode(got[i]) == encode(whole[i]));
    }
  };

  SECTION("one byte at a time") {
    Decoder d;
    std::vector<Message> got;
    for (char c : bin) REQUIRE(d.feed(std::string_view(&c, 1), got) == DecodeStatus::ok);
    CHECK(d.finish());
    CHECK(d.message_count() == 4);
    same(got);
  }
  SECTION("every two-piece split") {
    for (size_t cut = 0; cut <= bin.size(); ++cut) {
      Decoder d;
      std::vector<Message> got;
      REQUIRE(d.feed(std::string_view(bin).substr(0, cut), got) == DecodeStatus::ok);
      REQUIRE(d.feed(std::string_view(bin).substr(cut), got) == DecodeStatus::ok);
      REQUIRE(d.finish());
      same(got);
    }
  }
  SECTION("uneven pieces") {
    for (size_t step : {2u, 3u, 7u, 11u, 12u, 13u, 127u, 128u, 200u}) {
      Decoder d;
      std::vector<Message> got;
      for (size_t at = 0; at < bin.size(); at += step) {
        REQUIRE(d.feed(std::string_view(bin).substr(at, step), got) == DecodeStatus::ok);
      }
      REQUIRE(d.finish());
      same(got);
    }
  }
  SECTION("buffered bytes stay within one message") {
    Decoder d;
    std::vector<Message> got;
    d.feed(std::string_view(bin).substr(0, 130), got);  // frame 1 (127 B) + 3 bytes of frame 2
    CHECK(got.size() == 1);
    CHECK(d.buffered_bytes() == 3);
    d.feed(std::string_view(bin).substr(130, 20), got);
    CHECK(d.buffered_bytes() == 23);
  }
}

TEST_CASE("a corrupt prelude CRC is a terminal error", "[eventstream]") {
  std::string bin = read_fixture("kiro_eventstream_text.bin");
  bin[8] ^= 0x01;
  Decoder d;
  std::vector<Message> got;
  CHECK(d.feed(bin, got) == DecodeStatus::error);
  CHECK(got.empty());
  CHECK(d.failed());
  CHECK(d.error() ==
        "event stream: prelude CRC mismatch: frame says 0x7d7db5a8, bytes give 0x7c7db5a8 (message 1 at byte 0)");
  // Terminal: later input is refused, finish reports failure.
  CHECK(d.feed(read_fixture("kiro_eventstream_text.bin"), got) == DecodeStatus::error);
  CHECK(got.empty());
  CHECK_FALSE(d.finish());
  CHECK(d.buffered_bytes() == 0);
}

TEST_CASE("a corrupt message CRC is caught after the good messages", "[eventstream]") {
  std::string bin = read_fixture("kiro_eventstream_text.bin");
  bin[127 + 100] ^= 0x20;  // inside the second message's payload
  SECTION("whole") {
    Decoder d;
    std::vector<Message> got;
    CHECK(d.feed(bin, got) == DecodeStatus::error);
    REQUIRE(got.size() == 1);  // the first message was intact
    CHECK(got[0].payload == "{\"content\":\"Hello\"}");
    CHECK(d.error().find("event stream: message CRC mismatch: frame says 0x4d1bf6f3") == 0);
    CHECK(d.error().find("(message 2 at byte 127)") != std::string::npos);
  }
  SECTION("byte by byte") {
    Decoder d;
    std::vector<Message> got;
    DecodeStatus last = DecodeStatus::ok;
    for (char c : bin) last = d.feed(std::string_view(&c, 1), got);
    CHECK(last == DecodeStatus::error);
    CHECK(got.size() == 1);
    CHECK(d.error().find("message CRC mismatch") != std::string::npos);
  }
}

TEST_CASE("a stream cut inside a message fails at finish", "[eventstream]") {
  const std::string bin = read_fixture("kiro_eventstream_text.bin");
  SECTION("inside the body") {
    Decoder d;
    std::vector<Message> got;
    CHECK(d.feed(std::string_view(bin).substr(0, 100), got) == DecodeStatus::ok);
    CHECK(got.empty());
    CHECK_FALSE(d.finish());
    CHECK(d.error() == "event stream: input ended inside a message (100 of 127 bytes) (message 1 at byte 0)");
  }
  SECTION("inside the prelude") {
    Decoder d;
    std::vector<Message> got;
    CHECK(d.feed(std::string_view(bin).substr(0, 127 + 5), got) == DecodeStatus::ok);
    CHECK(got.size() == 1);
    CHECK_FALSE(d.finish());
    CHECK(d.error() == "event stream: input ended inside a message prelude (5 of 12 bytes) (message 2 at byte 127)");
  }
  SECTION("on a boundary is fine") {
    Decoder d;
    std::vector<Message> got;
    CHECK(d.feed(std::string_view(bin).substr(0, 276), got) == DecodeStatus::ok);
    CHECK(got.size() == 2);
    CHECK(d.finish());
  }
}

TEST_CASE("oversized and impossible lengths are refused at the prelude", "[eventstream]") {
  Decoder d;
  std::vector<Message> got;
  SECTION("2 GiB message") {
    CHECK(d.feed(prelude(0x7FFFFFFF, 0), got) == DecodeStatus::error);
    CHECK(d.error() ==
          "event stream: message length 2147483647 exceeds the limit of 16777216 bytes (message 1 at byte 0)");
    CHECK(d.buffered_bytes() == 0);
  }
  SECTION("just over 16 MiB") {
    CHECK(d.feed(prelude(16u * 1024u * 1024u + 1u, 0), got) == DecodeStatus::error);
    CHECK(d.error().find("exceeds the limit of 16777216 bytes") != std::string::npos);
  }
  SECTION("headers over 128 KiB") {
    CHECK(d.feed(prelude(200000, 131073), got) == DecodeStatus::error);
    CHECK(d.error().find("headers length 131073 exceeds the limit of 131072 bytes") != std::string::npos);
  }
  SECTION("headers longer than the message") {
    CHECK(d.feed(prelude(100, 85), got) == DecodeStatus::error);
    CHECK(d.error().find("headers length 85 does not fit in a message of 100 bytes") != std::string::npos);
  }
  SECTION("below the minimum") {
    CHECK(d.feed(prelude(15, 0), got) == DecodeStatus::error);
    CHECK(d.error().find("message length 15 is below the 16-byte minimum") != std::string::npos);
  }
  SECTION("configurable limit") {
    Decoder small(DecoderLimits{100, 64});
    CHECK(small.feed(read_fixture("kiro_eventstream_text.bin"), got) == DecodeStatus::error);
    CHECK(small.error().find("message length 127 exceeds the limit of 100 bytes") != std::string::npos);
    Decoder small_headers(DecoderLimits{1024, 64});
    CHECK(small_headers.feed(read_fixture("kiro_eventstream_text.bin"), got) == DecodeStatus::error);
    CHECK(small_headers.error().find("headers length 92 exceeds the limit of 64 bytes") != std::string::npos);
  }
  CHECK(got.empty());
}

TEST_CASE("malformed header blocks are errors even with valid CRCs", "[eventstream]") {
  Message m;
  m.headers.push_back(Header::make_string(":event-type", "x"));
  m.payload = "{}";
  const std::string good = encode(m);
  // Layout: prelude(12) | 0b ":event-type" | 07 | 0001 | 'x' | payload | crc
  Decoder d;
  std::vector<Message> got;
  SECTION("unknown value type") {
    std::string bad = good;
    bad[12 + 1 + 11] = 10;
    reseal(bad);
    CHECK(d.feed(bad, got) == DecodeStatus::error);
    CHECK(d.error().find("header ':event-type' has unknown value type 10") != std::string::npos);
  }
  SECTION("zero-length name") {
    std::string bad = good;
    bad[12] = 0;
    reseal(bad);
    CHECK(d.feed(bad, got) == DecodeStatus::error);
    CHECK(d.error().find("header name length 0 is outside 1..127") != std::string::npos);
  }
  SECTION("value longer than the header block") {
    std::string bad = good;
    bad[12 + 1 + 11 + 1 + 1] = 9;  // string length 1 → 9
    reseal(bad);
    CHECK(d.feed(bad, got) == DecodeStatus::error);
    CHECK(d.error().find("header ':event-type' value runs past the header block") != std::string::npos);
  }
  SECTION("name longer than the header block") {
    std::string bad = good;
    bad[12] = 100;
    reseal(bad);
    CHECK(d.feed(bad, got) == DecodeStatus::error);
    CHECK(d.error().find("header name runs past the header block") != std::string::npos);
  }
  CHECK(got.empty());
}
