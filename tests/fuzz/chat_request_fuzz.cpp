// Fuzz target for the /v1/chat/completions body parser
// (protocols/openai/chat_request) and the upstream body it writes.
//
// Input: the client's request body.
// Properties checked (FUZZ_REQUIRE):
//   - a refused body gets a 400 invalid_request_error with a message, whose
//     OpenAI-shaped JSON body is valid;
//   - an accepted body has a model and at least one message, and the body
//     written for the upstream is valid JSON, names the upstream model, asks
//     for usage when streaming, and is accepted again with the same meaning;
//   - keyaos::is_valid_json (which guards forwarded values) accepts all
//     that nlohmann's validator accepts;
//   - writing is a fixed point: parsing the upstream body and writing it
//     again gives the same bytes (nothing is lost or added on a retry).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/json_validate.h"
#include "protocols/openai/chat_request.h"
#include "simdjson.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

using keyaos::ApiError;
using keyaos::Json;
using keyaos::openai::ChatRequest;

void check_error(const ApiError& error) {
  FUZZ_REQUIRE(error.status == 400);
  FUZZ_REQUIRE(error.type == "invalid_request_error");
  FUZZ_REQUIRE(!error.message.empty() && !error.code.empty());
  const Json body = keyaos::parse_json(error.body());
  FUZZ_REQUIRE(body.is_object() && keyaos::field(body, "error") != nullptr);
}

}  // namespace

int fuzz_chat_request(const uint8_t* bytes, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  // The validator for forwarded values agrees with nlohmann on UTF-8 text
  // (without NUL, which nlohmann's lexer takes for the end of input, and
  // without a leading BOM, which nlohmann skips; neither occurs inside a value).
  if (input.find('\0') == std::string_view::npos && input.substr(0, 3) != "\xEF\xBB\xBF" &&
      simdjson::validate_utf8(input.data(), input.size()) && !keyaos::is_valid_json(input)) {
    // nlohmann also refuses numbers beyond double range, so only this direction holds.
    FUZZ_REQUIRE(!Json::accept(input));
  }
  ChatRequest req;
  ApiError error;
  if (!keyaos::openai::parse_chat_request(input, req, error)) {
    check_error(error);
    return 0;
  }
  FUZZ_REQUIRE(!req.model.empty());
  FUZZ_REQUIRE(req.prompt_bytes >= 2 && static_cast<size_t>(req.prompt_bytes) <= size);
  FUZZ_REQUIRE(!req.max_output_tokens || *req.max_output_tokens > 0);

  const std::string upstream_model = "fuzz/upstream-\"model\"";
  const std::string body = keyaos::openai::upstream_chat_body(req, upstream_model);
  FUZZ_REQUIRE(keyaos::is_valid_json(body));
  const Json parsed = keyaos::parse_json(body);
  if (!parsed.is_discarded()) {  // nlohmann refuses numbers beyond double range
    FUZZ_REQUIRE(parsed.is_object());
    FUZZ_REQUIRE(keyaos::str_field(parsed, "model") == upstream_model);
    // Routing fields are the gateway's own and never reach the upstream.
    FUZZ_REQUIRE(keyaos::field(parsed, "models") == nullptr && keyaos::field(parsed, "provider") == nullptr);
    if (req.stream) {
      const Json* options = keyaos::field(parsed, "stream_options");
      FUZZ_REQUIRE(options != nullptr && keyaos::bool_field(*options, "include_usage"));
    }
  }

  ChatRequest again;
  ApiError again_error;
  FUZZ_REQUIRE(keyaos::openai::parse_chat_request(body, again, again_error));
  FUZZ_REQUIRE(again.model == upstream_model);
  FUZZ_REQUIRE(again.stream == req.stream);
  FUZZ_REQUIRE(again.max_output_tokens == req.max_output_tokens);
  FUZZ_REQUIRE(again.prompt_bytes == req.prompt_bytes);
  FUZZ_REQUIRE(again.kept_fields == req.kept_fields);
  FUZZ_REQUIRE(keyaos::openai::upstream_chat_body(again, upstream_model) == body);
  return 0;
}
