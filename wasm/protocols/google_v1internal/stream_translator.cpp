#include "protocols/google_v1internal/stream_translator.h"

#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/google_v1internal/finish_reason.h"

namespace keyaos::google_v1internal {
namespace {

UpstreamError stream_error(std::string message) {
  UpstreamError e;
  e.error_class = ErrorClass::stream;
  e.http_status = 502;
  e.message = std::move(message);
  e.type = "server_error";
  e.code = "upstream_stream_error";
  return e;
}

bool blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

GoogleStreamTranslator::GoogleStreamTranslator(TranslationOptions options)
    : options_(std::move(options)),
      tool_call_id_prefix_(default_tool_call_id_prefix(options_)),
      writer_(options_.id, options_.created_s, options_.model) {}

void GoogleStreamTranslator::feed(std::string_view bytes, std::string& out) {
  if (failed_ || closed_) return;
  sse_.append(bytes);
  drain(out);
}

void GoogleStreamTranslator::drain(std::string& out) {
  while (!failed_ && sse_.next_event(event_)) handle_event(event_, out);
}

void GoogleStreamTranslator::finish(std::string& out) {
  if (closed_) return;
  if (!failed_) {
    drain(out);
    if (!failed_ && sse_.flush(event_)) handle_event(event_, out);
  }
  closed_ = true;
  if (failed_) return;
  if (!finished_) {
    // A clean close without a finish reason is a cut stream, not an answer.
    fail(stream_error(saw_event_ ? "The upstream stream ended before a finish reason"
                                 : "The upstream stream ended without a response"));
    return;
  }
  if (usage_.present) writer_.usage(usage_, out);
  OpenAIChunkWriter::done(out);
}

void GoogleStreamTranslator::fail(UpstreamError error) {
  failed_ = true;
  error_ = std::move(error);
}

void GoogleStreamTranslator::handle_event(std::string& data, std::string& out) {
  if (blank(data) || data == "[DONE]") return;
  saw_event_ = true;
  data.reserve(data.size() + simdjson::SIMDJSON_PADDING);
  if (!read_response_chunk(parser_, data.data(), data.size(), data.capacity(), chunk_)) {
    fail(stream_error("The upstream sent an event that is not valid JSON"));
    return;
  }
  if (chunk_.is_error) {
    fail(classify_error(200, data, options_.now_ms));
    return;
  }
  emit_chunk(out);
}

void GoogleStreamTranslator::emit_chunk(std::string& out) {
  // Running totals: each snapshot replaces the previous one.
  if (chunk_.has_usage) usage_ = chunk_.usage;
  if (finished_) return;  // only trailing usage counts after the finish reason

  for (const ResponsePart& part : chunk_.parts) {
    if (part.kind == ResponsePart::Kind::function_call) {
      int index = tool_calls_++;
      std::string id = !part.function_id.empty() ? std::string(part.function_id)
                                                 : tool_call_id_prefix_ + std::to_string(index);
      writer_.tool_call_start(index, id, part.function_name, part.function_args, out);
      if (!part.thought_signature.empty()) thought_signatures_[id] = std::string(part.thought_signature);
      content_started_ = true;
    } else if (!part.text.empty()) {
      if (part.thought) writer_.reasoning(part.text, out);
      else writer_.content(part.text, out);
      content_started_ = true;
    }
  }

  std::string_view reason = chunk_.finish_reason;
  if (reason.empty() && !chunk_.block_reason.empty() && !chunk_.has_candidates) reason = "SAFETY";  // prompt blocked
  if (reason.empty()) return;
  finish_reason_ = std::string(openai_finish_reason(reason, tool_calls_ > 0));
  // OpenAI streams always open with the assistant role, even when empty.
  if (!writer_.role_sent()) writer_.content("", out);
  writer_.finish(finish_reason_, out);
  finished_ = true;
}

}  // namespace keyaos::google_v1internal
