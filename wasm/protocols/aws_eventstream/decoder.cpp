#include "protocols/aws_eventstream/decoder.h"

#include <algorithm>
#include <utility>

#include "protocols/aws_eventstream/crc32.h"

namespace keyaos::aws_eventstream {

namespace {

uint32_t read_u32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
uint16_t read_u16(const uint8_t* p) { return uint16_t((uint16_t(p[0]) << 8) | uint16_t(p[1])); }
uint64_t read_u64(const uint8_t* p) { return (uint64_t(read_u32(p)) << 32) | uint64_t(read_u32(p + 4)); }

std::string hex32(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x00000000";
  for (int i = 0; i < 8; ++i) s[9 - i] = digits[(v >> (4 * i)) & 0xF];
  return s;
}

// Parses the header block [p, end). Returns an empty string on success, else why it failed.
std::string parse_headers(const uint8_t* p, const uint8_t* end, std::vector<Header>& headers) {
  while (p < end) {
    const size_t name_len = *p++;
    if (name_len == 0 || name_len > kMaxHeaderNameBytes) {
      return "header name length " + std::to_string(name_len) + " is outside 1.." + std::to_string(kMaxHeaderNameBytes);
    }
    if (size_t(end - p) < name_len + 1) return "header name runs past the header block";
    Header h;
    h.name.assign(reinterpret_cast<const char*>(p), name_len);
    p += name_len;
    const uint8_t type = *p++;
    const size_t left = size_t(end - p);
    auto need = [&](size_t n) { return left >= n; };
    switch (type) {
      case 0:
      case 1:
        h.type = type == 0 ? HeaderType::bool_true : HeaderType::bool_false;
        h.integer = type == 0 ? 1 : 0;
        break;
      case 2:
        if (!need(1)) return "header '" + h.name + "' value runs past the header block";
        h.type = HeaderType::byte;
        h.integer = int8_t(p[0]);
        p += 1;
        break;
      case 3:
        if (!need(2)) return "header '" + h.name + "' value runs past the header block";
        h.type = HeaderType::int16;
        h.integer = int16_t(read_u16(p));
        p += 2;
        break;
      case 4:
        if (!need(4)) return "header '" + h.name + "' value runs past the header block";
        h.type = HeaderType::int32;
        h.integer = int32_t(read_u32(p));
        p += 4;
        break;
      case 5:
      case 8:
        if (!need(8)) return "header '" + h.name + "' value runs past the header block";
        h.type = type == 5 ? HeaderType::int64 : HeaderType::timestamp;
        h.integer = int64_t(read_u64(p));
        p += 8;
        break;
      case 6:
      case 7: {
        if (!need(2)) return "header '" + h.name + "' value runs past the header block";
        const size_t len = read_u16(p);
        if (left - 2 < len) return "header '" + h.name + "' value runs past the header block";
        h.type = type == 6 ? HeaderType::bytes : HeaderType::string;
        h.data.assign(reinterpret_cast<const char*>(p + 2), len);
        p += 2 + len;
        break;
      }
      case 9:
        if (!need(16)) return "header '" + h.name + "' value runs past the header block";
        h.type = HeaderType::uuid;
        h.data.assign(reinterpret_cast<const char*>(p), 16);
        p += 16;
        break;
      default:
        return "header '" + h.name + "' has unknown value type " + std::to_string(type);
    }
    headers.push_back(std::move(h));
  }
  return {};
}

}  // namespace

DecodeStatus Decoder::fail(std::string message) {
  failed_ = true;
  error_ = "event stream: " + message + " (message " + std::to_string(message_count_ + 1) + " at byte " +
           std::to_string(offset_) + ")";
  pending_.clear();
  pending_.shrink_to_fit();
  pending_total_ = 0;
  return DecodeStatus::error;
}

size_t Decoder::check_prelude(const uint8_t* prelude) {
  const uint32_t total = read_u32(prelude);
  const uint32_t headers_len = read_u32(prelude + 4);
  const uint32_t expected_crc = read_u32(prelude + 8);
  const uint32_t actual_crc = crc32(prelude, 8);
  if (expected_crc != actual_crc) {
    fail("prelude CRC mismatch: frame says " + hex32(expected_crc) + ", bytes give " + hex32(actual_crc));
    return 0;
  }
  if (total < kMinMessageBytes) {
    fail("message length " + std::to_string(total) + " is below the " + std::to_string(kMinMessageBytes) + "-byte minimum");
    return 0;
  }
  if (total > limits_.max_message_bytes) {
    fail("message length " + std::to_string(total) + " exceeds the limit of " +
         std::to_string(limits_.max_message_bytes) + " bytes");
    return 0;
  }
  if (headers_len > limits_.max_headers_bytes) {
    fail("headers length " + std::to_string(headers_len) + " exceeds the limit of " +
         std::to_string(limits_.max_headers_bytes) + " bytes");
    return 0;
  }
  if (headers_len > total - kMinMessageBytes) {
    fail("headers length " + std::to_string(headers_len) + " does not fit in a message of " + std::to_string(total) +
         " bytes");
    return 0;
  }
  return total;
}

bool Decoder::decode_message(const uint8_t* data, size_t size, std::vector<Message>& out) {
  const uint32_t expected_crc = read_u32(data + size - 4);
  const uint32_t actual_crc = crc32(data, size - 4);
  if (expected_crc != actual_crc) {
    fail("message CRC mismatch: frame says " + hex32(expected_crc) + ", bytes give " + hex32(actual_crc));
    return false;
  }
  const size_t headers_len = read_u32(data + 4);
  const uint8_t* headers_begin = data + kPreludeBytes;
  const uint8_t* payload_begin = headers_begin + headers_len;
  Message message;
  std::string why = parse_headers(headers_begin, payload_begin, message.headers);
  if (!why.empty()) {
    fail(why);
    return false;
  }
  message.payload.assign(reinterpret_cast<const char*>(payload_begin), size - kPreludeBytes - headers_len - 4);
  out.push_back(std::move(message));
  ++message_count_;
  offset_ += size;
  return true;
}

DecodeStatus Decoder::feed(std::string_view bytes, std::vector<Message>& out) {
  if (failed_) return DecodeStatus::error;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t left = bytes.size();

  // Complete the message held back from earlier feeds.
  while (!pending_.empty() && left > 0) {
    const size_t want = pending_total_ ? pending_total_ : kPreludeBytes;
    const size_t take = std::min(want - pending_.size(), left);
    pending_.append(reinterpret_cast<const char*>(p), take);
    p += take;
    left -= take;
    if (pending_.size() < want) return DecodeStatus::ok;
    const uint8_t* held = reinterpret_cast<const uint8_t*>(pending_.data());
    if (!pending_total_) {
      pending_total_ = check_prelude(held);
      if (!pending_total_) return DecodeStatus::error;
      pending_.reserve(pending_total_);
      continue;  // now wait for the rest of the message
    }
    if (!decode_message(held, pending_.size(), out)) return DecodeStatus::error;
    pending_.clear();
    pending_total_ = 0;
  }

  // Whole messages straight from the input, without copying.
  while (left >= kPreludeBytes) {
    const size_t total = check_prelude(p);
    if (!total) return DecodeStatus::error;
    if (left < total) {
      pending_total_ = total;
      pending_.reserve(total);
      break;
    }
    if (!decode_message(p, total, out)) return DecodeStatus::error;
    p += total;
    left -= total;
  }
  if (left > 0) pending_.append(reinterpret_cast<const char*>(p), left);
  return DecodeStatus::ok;
}

bool Decoder::finish() {
  if (failed_) return false;
  if (!pending_.empty()) {
    const std::string have = std::to_string(pending_.size());
    if (pending_total_) {
      fail("input ended inside a message (" + have + " of " + std::to_string(pending_total_) + " bytes)");
    } else {
      fail("input ended inside a message prelude (" + have + " of " + std::to_string(kPreludeBytes) + " bytes)");
    }
    return false;
  }
  return true;
}

DecodeStatus decode_all(std::string_view bytes, std::vector<Message>& out, std::string& error, DecoderLimits limits) {
  Decoder decoder(limits);
  if (decoder.feed(bytes, out) == DecodeStatus::ok && decoder.finish()) return DecodeStatus::ok;
  error = decoder.error();
  return DecodeStatus::error;
}

}  // namespace keyaos::aws_eventstream
