#include "protocols/aws_eventstream/message.h"

#include <utility>

namespace keyaos::aws_eventstream {

const char* header_type_name(HeaderType type) {
  switch (type) {
    case HeaderType::bool_true: return "bool_true";
    case HeaderType::bool_false: return "bool_false";
    case HeaderType::byte: return "byte";
    case HeaderType::int16: return "int16";
    case HeaderType::int32: return "int32";
    case HeaderType::int64: return "int64";
    case HeaderType::bytes: return "bytes";
    case HeaderType::string: return "string";
    case HeaderType::timestamp: return "timestamp";
    case HeaderType::uuid: return "uuid";
  }
  return "unknown";
}

namespace {
Header make_integer(std::string name, HeaderType type, int64_t value) {
  Header h;
  h.name = std::move(name);
  h.type = type;
  h.integer = value;
  return h;
}
Header make_data(std::string name, HeaderType type, std::string value) {
  Header h;
  h.name = std::move(name);
  h.type = type;
  h.data = std::move(value);
  return h;
}
}  // namespace

Header Header::make_bool(std::string name, bool value) {
  return make_integer(std::move(name), value ? HeaderType::bool_true : HeaderType::bool_false, value ? 1 : 0);
}
Header Header::make_byte(std::string name, int8_t value) { return make_integer(std::move(name), HeaderType::byte, value); }
Header Header::make_int16(std::string name, int16_t value) { return make_integer(std::move(name), HeaderType::int16, value); }
Header Header::make_int32(std::string name, int32_t value) { return make_integer(std::move(name), HeaderType::int32, value); }
Header Header::make_int64(std::string name, int64_t value) { return make_integer(std::move(name), HeaderType::int64, value); }
Header Header::make_timestamp(std::string name, int64_t epoch_ms) {
  return make_integer(std::move(name), HeaderType::timestamp, epoch_ms);
}
Header Header::make_bytes(std::string name, std::string value) {
  return make_data(std::move(name), HeaderType::bytes, std::move(value));
}
Header Header::make_string(std::string name, std::string value) {
  return make_data(std::move(name), HeaderType::string, std::move(value));
}
Header Header::make_uuid(std::string name, std::string raw16) {
  return make_data(std::move(name), HeaderType::uuid, std::move(raw16));
}

const Header* Message::find(std::string_view name) const {
  for (const Header& h : headers) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

std::string_view Message::string_header(std::string_view name) const {
  const Header* h = find(name);
  return h ? h->as_string() : std::string_view();
}

}  // namespace keyaos::aws_eventstream
