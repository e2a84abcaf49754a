#pragma once
#include <cstdint>
#include <string_view>

#include "core/json_read.h"
#include "protocols/common/upstream_error.h"
#include "simdjson.h"

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
