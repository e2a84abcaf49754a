#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keyaos::aws_eventstream {

// Header value types, numbered as on the wire.
enum class HeaderType : uint8_t {
  bool_true = 0,
  bool_false = 1,
  byte = 2,
  int16 = 3,
  int32 = 4,
  int64 = 5,
  bytes = 6,
  string = 7,
  timestamp = 8,  // milliseconds since the Unix epoch
  uuid = 9,       // 16 raw bytes
};

const char* header_type_name(HeaderType type);

struct Header {
  std::string name;
  HeaderType type = HeaderType::string;
  // bool (1/0), byte, int16, int32, int64 and timestamp values, sign-extended.
  int64_t integer = 0;
  // bytes, string and uuid values, raw.
  std::string data;

  bool is_string() const { return type == HeaderType::string; }
  // The value of a string header; empty for other types.
  std::string_view as_string() const { return is_string() ? std::string_view(data) : std::string_view(); }

  static Header make_bool(std::string name, bool value);
  static Header make_byte(std::string name, int8_t value);
  static Header make_int16(std::string name, int16_t value);
  static Header make_int32(std::string name, int32_t value);
  static Header make_int64(std::string name, int64_t value);
  static Header make_bytes(std::string name, std::string value);
  static Header make_string(std::string name, std::string value);
  static Header make_timestamp(std::string name, int64_t epoch_ms);
  static Header make_uuid(std::string name, std::string raw16);
};

// One decoded event-stream message.
struct Message {
  std::vector<Header> headers;
  std::string payload;

  // First header with this exact name, or nullptr.
  const Header* find(std::string_view name) const;
  // Value of a string header; empty when absent or not a string.
  std::string_view string_header(std::string_view name) const;
};

}  // namespace keyaos::aws_eventstream
