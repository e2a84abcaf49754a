#pragma once
#include <cstdint>
#include <string_view>
#include <utility>

#include "simdjson.h"

// Small readers over simdjson On-Demand values that report a wrong type as
// "absent" instead of an error, which is what loosely specified Google
// payloads need.
namespace keyaos::google_v1internal::json_read {

using simdjson::ondemand::json_type;
using simdjson::ondemand::value;

inline bool type_of(value& v, json_type& type) { return v.type().get(type) == simdjson::SUCCESS; }

inline bool is(value& v, json_type expected) {
  json_type type;
  return type_of(v, type) && type == expected;
}

// A string value; views stay valid until the parser reads another document.
inline bool string(value& v, std::string_view& out) {
  return is(v, json_type::string) && v.get_string().get(out) == simdjson::SUCCESS;
}

inline bool boolean(value& v, bool& out) {
  return is(v, json_type::boolean) && v.get_bool().get(out) == simdjson::SUCCESS;
}

// Moves an object field out of an iteration result and reads its key.
inline bool field_key(simdjson::simdjson_result<simdjson::ondemand::field>& result, simdjson::ondemand::field& f,
                      std::string_view& key) {
  return std::move(result).get(f) == simdjson::SUCCESS && f.unescaped_key(false).get(key) == simdjson::SUCCESS;
}

// A JSON number, or a decimal string (proto3 JSON writes int64 as strings).
bool int64(value& v, int64_t& out);

// Parses a run of ASCII digits with optional sign; false on anything else.
bool parse_int64(std::string_view text, int64_t& out);

}  // namespace keyaos::google_v1internal::json_read
