#include "protocols/google_v1internal/completion_translator.h"

#include "protocols/common/openai_chunks.h"
#include "protocols/google_v1internal/error_classifier.h"
#include "protocols/google_v1internal/finish_reason.h"
#include "protocols/google_v1internal/response_reader.h"
#include "simdjson.h"

namespace keyaos::google_v1internal {
namespace {

UpstreamError unreadable(std::string message) {
  UpstreamError e;
  e.error_class = ErrorClass::stream;
  e.http_status = 502;
  e.message = std::move(message);
  e.type = "server_error";
  e.code = "invalid_upstream_response";
  return e;
}

// Folds envelopes into one completion.
class CompletionAccumulator {
 public:
  explicit CompletionAccumulator(const TranslationOptions& options)
      : options_(options), tool_call_id_prefix_(default_tool_call_id_prefix(options)) {}

  void add(const ResponseChunk& chunk, CompletionResult& result) {
    if (chunk.has_usage) result.usage = chunk.usage;
    if (chunk.has_candidates) saw_candidates_ = true;
    for (const ResponsePart& part : chunk.parts) {
      if (part.kind == ResponsePart::Kind::function_call) {
        int index = tool_calls_++;
        std::string id = !part.function_id.empty() ? std::string(part.function_id)
                                                   : tool_call_id_prefix_ + std::to_string(index);
        builder_.tool_call(index, id, part.function_name, part.function_args);
        if (!part.thought_signature.empty()) result.thought_signatures[id] = std::string(part.thought_signature);
      } else if (!part.text.empty()) {
        if (part.thought) builder_.reasoning(part.text);
        else builder_.content(part.text);
      }
    }
    if (!chunk.finish_reason.empty()) gemini_finish_ = std::string(chunk.finish_reason);
    if (!chunk.block_reason.empty() && !chunk.has_candidates) blocked_ = true;
  }

  bool answered() const { return saw_candidates_ || blocked_; }

  void render(CompletionResult& result) {
    std::string_view reason = !gemini_finish_.empty() ? std::string_view(gemini_finish_)
                              : blocked_              ? std::string_view("SAFETY")
                                                      : std::string_view("STOP");
    result.finish_reason = std::string(openai_finish_reason(reason, tool_calls_ > 0));
    builder_.finish(result.finish_reason);
    result.body = builder_.render(options_.id, options_.created_s, options_.model, result.usage);
    result.ok = true;
  }

 private:
  const TranslationOptions& options_;
  std::string tool_call_id_prefix_;
  OpenAICompletionBuilder builder_;
  std::string gemini_finish_;
  int tool_calls_ = 0;
  bool saw_candidates_ = false;
  bool blocked_ = false;
};

}  // namespace

CompletionResult translate_generate_content(int http_status, std::string_view body, const TranslationOptions& options) {
  CompletionResult result;
  if (http_status < 200 || http_status >= 300) {
    result.error = classify_error(http_status, body, options.now_ms);
    return result;
  }
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::json_type type;
  if (parser.iterate(padded).get(doc) || doc.type().get(type)) {
    result.error = unreadable("The upstream answer is not valid JSON");
    return result;
  }
  CompletionAccumulator accumulator(options);
  ResponseChunk chunk;
  auto add_envelope = [&](simdjson::ondemand::object envelope) {
    chunk.clear();
    if (!read_response_envelope(envelope, chunk)) {
      result.error = unreadable("The upstream answer is not a readable response");
      return false;
    }
    if (chunk.is_error) {
      result.error = classify_error(http_status, body, options.now_ms);
      return false;
    }
    accumulator.add(chunk, result);
    return true;
  };
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array items;
    if (doc.get_array().get(items)) {
      result.error = unreadable("The upstream answer is not valid JSON");
      return result;
    }
    for (auto item_result : items) {
      simdjson::ondemand::value item;
      simdjson::ondemand::object envelope;
      if (std::move(item_result).get(item) || item.get_object().get(envelope)) {
        result.error = unreadable("The upstream answer is not a readable response");
        return result;
      }
      if (!add_envelope(envelope)) return result;
    }
  } else {
    simdjson::ondemand::object envelope;
    if (doc.get_object().get(envelope)) {
      result.error = unreadable("The upstream answer is not a JSON object");
      return result;
    }
    if (!add_envelope(envelope)) return result;
  }
  if (!accumulator.answered()) {
    result.error = unreadable("The upstream answer holds no candidates");
    return result;
  }
  accumulator.render(result);
  return result;
}

}  // namespace keyaos::google_v1internal
