#include "protocols/google_v1internal/answer_object.h"

#include "protocols/google_v1internal/error_classifier.h"

namespace keyaos::google_v1internal {

UpstreamError unreadable_answer(std::string message) {
  UpstreamError e;
  e.error_class = ErrorClass::server;
  e.http_status = 502;
  e.message = std::move(message);
  e.type = "server_error";
  e.code = "invalid_upstream_response";
  return e;
}

AnswerObject::AnswerObject(int http_status, std::string_view body, int64_t now_ms, std::string_view what) : padded_(body) {
  if (http_status < 200 || http_status >= 300) {
    error_ = classify_error(http_status, body, now_ms);
    return;
  }
  status_ok_ = true;
  ok_ = parser_.iterate(padded_).get(doc_) == simdjson::SUCCESS && doc_.get_object().get(top_) == simdjson::SUCCESS;
  if (!ok_) error_ = unreadable_answer(std::string(what) + " returned unreadable JSON");
}

}  // namespace keyaos::google_v1internal
