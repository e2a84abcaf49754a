#include "protocols/aws_eventstream/encoder.h"

#include <algorithm>
#include <utility>

#include "protocols/aws_eventstream/crc32.h"
#include "protocols/aws_eventstream/decoder.h"

namespace keyaos::aws_eventstream {

namespace {

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(char((value >> (8 * i)) & 0xFF));
}

void put_u32_at(std::string& out, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[at + i] = char((value >> (8 * (3 - i))) & 0xFF);
}

uint32_t crc_of(const std::string& s, size_t n) { return crc32(reinterpret_cast<const uint8_t*>(s.data()), n); }

}  // namespace

std::string encode(const Message& message) {
  std::string out(kPreludeBytes, '\0');
  for (const Header& h : message.headers) {
    const size_t name_len = std::min(h.name.size(), kMaxHeaderNameBytes);
    out.push_back(char(name_len));
    out.append(h.name, 0, name_len);
    out.push_back(char(static_cast<uint8_t>(h.type)));
    switch (h.type) {
      case HeaderType::bool_true:
      case HeaderType::bool_false:
        break;
      case HeaderType::byte: put_be(out, uint64_t(h.integer), 1); break;
      case HeaderType::int16: put_be(out, uint64_t(h.integer), 2); break;
      case HeaderType::int32: put_be(out, uint64_t(h.integer), 4); break;
      case HeaderType::int64:
      case HeaderType::timestamp: put_be(out, uint64_t(h.integer), 8); break;
      case HeaderType::bytes:
      case HeaderType::string: {
        const size_t len = std::min<size_t>(h.data.size(), 0xFFFF);
        put_be(out, len, 2);
        out.append(h.data, 0, len);
        break;
      }
      case HeaderType::uuid: {
        std::string raw = h.data.substr(0, 16);
        raw.resize(16, '\0');
        out += raw;
        break;
      }
    }
  }
  const size_t headers_len = out.size() - kPreludeBytes;
  out += message.payload;
  const size_t total = out.size() + 4;
  put_u32_at(out, 0, uint32_t(total));
  put_u32_at(out, 4, uint32_t(headers_len));
  put_u32_at(out, 8, crc_of(out, 8));
  put_be(out, crc_of(out, out.size()), 4);
  return out;
}

std::string encode_event(const std::string& event_type, std::string json_payload) {
  Message m;
  m.headers.push_back(Header::make_string(":event-type", event_type));
  m.headers.push_back(Header::make_string(":content-type", "application/json"));
  m.headers.push_back(Header::make_string(":message-type", "event"));
  m.payload = std::move(json_payload);
  return encode(m);
}

}  // namespace keyaos::aws_eventstream
