// Fuzz target for the Google v1internal response reader and translators
// (protocols/google_v1internal/response_reader, stream_translator,
// completion_translator).
//
// Input: the upstream body, read as an SSE stream, as a non-streaming
// answer and as one envelope.
// Properties checked (FUZZ_REQUIRE):
//   - the stream translator's output and state do not depend on how the
//     bytes are split (one piece, pseudo-random pieces, byte by byte);
//   - every event it writes is "data: <JSON>\n\n" with valid JSON, or the
//     final "data: [DONE]\n\n"; [DONE] is written exactly when the stream
//     neither failed nor ended without a finish reason;
//   - a translated non-streaming answer is a valid chat.completion object;
//     a refused one carries an error status and message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "protocols/google_v1internal/completion_translator.h"
#include "protocols/google_v1internal/response_reader.h"
#include "protocols/google_v1internal/stream_translator.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

using keyaos::Json;
using keyaos::google_v1internal::GoogleStreamTranslator;
using keyaos::google_v1internal::TranslationOptions;

struct Run {
  std::string out;
  bool content_started, finished, failed;
  int error_class, http_status;
  std::string message, code, finish_reason;
  int64_t prompt, completion, cached, reasoning;
  bool usage_present;
  keyaos::google_v1internal::ThoughtSignatures signatures;

  bool operator==(const Run& o) const {
    return out == o.out && content_started == o.content_started && finished == o.finished && failed == o.failed &&
           error_class == o.error_class && http_status == o.http_status && message == o.message && code == o.code &&
           finish_reason == o.finish_reason && prompt == o.prompt && completion == o.completion &&
           cached == o.cached && reasoning == o.reasoning && usage_present == o.usage_present &&
           signatures == o.signatures;
  }
};

// piece = 0: whole; SIZE_MAX: pseudo-random pieces; else that many bytes a feed.
Run translate(std::string_view body, const TranslationOptions& options, size_t piece) {
  GoogleStreamTranslator t(options);
  Run r;
  if (piece == 0) {
    t.feed(body, r.out);
  } else {
    keyaos::fuzz::SplitPlan plan(body);
    for (size_t at = 0; at < body.size();) {
      const size_t n = piece == SIZE_MAX ? plan.next() : piece;
      t.feed(body.substr(at, n), r.out);
      at += n;
    }
  }
  t.finish(r.out);
  const auto& e = t.error();
  const auto& u = t.usage();
  r.content_started = t.content_started();
  r.finished = t.finished();
  r.failed = t.failed();
  r.error_class = static_cast<int>(e.error_class);
  r.http_status = e.http_status;
  r.message = e.message;
  r.code = e.code;
  r.finish_reason = t.finish_reason();
  r.prompt = u.prompt_tokens;
  r.completion = u.completion_tokens;
  r.cached = u.cached_tokens;
  r.reasoning = u.reasoning_tokens;
  r.usage_present = u.present;
  r.signatures = t.thought_signatures();
  return r;
}

void check_events(const Run& r) {
  static constexpr std::string_view kDone = "data: [DONE]\n\n";
  std::string_view rest = r.out;
  bool done = false;
  while (!rest.empty()) {
    FUZZ_REQUIRE(!done);  // nothing after [DONE]
    const size_t end = rest.find("\n\n");
    FUZZ_REQUIRE(end != std::string_view::npos);
    const std::string_view event = rest.substr(0, end);
    FUZZ_REQUIRE(event.substr(0, 6) == "data: ");
    const std::string_view data = event.substr(6);
    if (data == "[DONE]") {
      done = true;
    } else {
      FUZZ_REQUIRE(data.find('\n') == std::string_view::npos);
      const Json chunk = keyaos::parse_json(data);
      FUZZ_REQUIRE(chunk.is_object() && keyaos::str_field(chunk, "object") == "chat.completion.chunk");
    }
    rest.remove_prefix(end + 2);
  }
  const bool ends_done = r.out.size() >= kDone.size() && std::string_view(r.out).substr(r.out.size() - kDone.size()) == kDone;
  FUZZ_REQUIRE(done == ends_done);
  FUZZ_REQUIRE(ends_done == (!r.failed && r.finished));
  if (r.failed) FUZZ_REQUIRE(r.http_status >= 400 && r.http_status <= 599 && !r.message.empty());
}

}  // namespace

int fuzz_google_response(const uint8_t* bytes, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(bytes), size);
  TranslationOptions options;
  options.id = "chatcmpl-fuzz";
  options.created_s = 1755800000;
  options.model = "google/gemini-2.5-pro";
  options.now_ms = 1755800000123;

  const Run whole = translate(body, options, 0);
  check_events(whole);
  FUZZ_REQUIRE(translate(body, options, SIZE_MAX) == whole);
  if (size <= 4096) FUZZ_REQUIRE(translate(body, options, 1) == whole);

  const auto completion = keyaos::google_v1internal::translate_generate_content(200, body, options);
  if (completion.ok) {
    const Json parsed = keyaos::parse_json(completion.body);
    FUZZ_REQUIRE(parsed.is_object() && keyaos::str_field(parsed, "object") == "chat.completion");
    FUZZ_REQUIRE(!completion.finish_reason.empty());
  } else {
    FUZZ_REQUIRE(completion.error.http_status >= 400 && completion.error.http_status <= 599);
    FUZZ_REQUIRE(!completion.error.message.empty());
  }

  // One envelope read directly; the views it returns stay inside the buffer.
  std::string buffer(body);
  buffer.reserve(buffer.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser parser;
  keyaos::google_v1internal::ResponseChunk chunk;
  if (keyaos::google_v1internal::read_response_chunk(parser, buffer.data(), buffer.size(), buffer.capacity(), chunk)) {
    for (const auto& part : chunk.parts) {
      if (part.kind == keyaos::google_v1internal::ResponsePart::Kind::function_call) {
        FUZZ_REQUIRE(Json::accept(part.function_args));
      }
      FUZZ_REQUIRE(part.text.size() <= size);
    }
  }
  return 0;
}
