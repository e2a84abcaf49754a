#pragma once
#include <cstdint>
#include <string_view>
#include <utility>

#include "protocols/common/upstream_error.h"
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

namespace keyaos::google_v1internal {

// A Google answer's top-level JSON object, read with simdjson On-Demand; it
// holds the parser and the padded copy the object's views point into, so it
// stays where it was made. A non-2xx status is classified into `error`, and
// so is a body that is not a JSON object (`what` names the call).
class AnswerObject {
 public:
  AnswerObject(int http_status, std::string_view body, int64_t now_ms, std::string_view what);
  AnswerObject(const AnswerObject&) = delete;
  AnswerObject& operator=(const AnswerObject&) = delete;

  bool ok() const { return ok_; }
  // The status was 2xx (the body may still be unreadable).
  bool status_ok() const { return status_ok_; }
  const UpstreamError& error() const { return error_; }
  simdjson::ondemand::object& top() { return top_; }

 private:
  simdjson::ondemand::parser parser_;
  simdjson::padded_string padded_;
  simdjson::ondemand::document doc_;
  simdjson::ondemand::object top_;
  UpstreamError error_;
  bool status_ok_ = false;
  bool ok_ = false;
};

// A 2xx answer Keyaos could not read: the upstream's fault, and it fails over.
UpstreamError unreadable_answer(std::string message);

}  // namespace keyaos::google_v1internal
