// Fuzz target for the /v1/responses request mapper
// (protocols/responses/request_mapper), which turns a Responses body into
// the chat body the engine routes.
//
// Input: the client's request body.
// Properties checked (FUZZ_REQUIRE):
//   - a refused body gets a 400 invalid_request_error with a message and a
//     code, whose OpenAI-shaped JSON body is valid;
//   - an accepted body maps to valid JSON that the chat request parser
//     accepts (or refuses only for the routing fields `provider`/`models`,
//     which are passed on as they are), naming the same model, streaming exactly when the client
//     asked (then with stream_options.include_usage), with at least one message;
//   - every tool offered upstream has a chat-legal name (^[a-zA-Z0-9_-]{1,64}$)
//     that maps back to one of the client's tools;
//   - mapping is deterministic: the same body gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/json_validate.h"
#include "protocols/openai/chat_request.h"
#include "protocols/responses/request_mapper.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

using keyaos::ApiError;
using keyaos::Json;

bool chat_name_ok(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

int fuzz_responses_request(const uint8_t* bytes, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  keyaos::responses::MappedRequest mapped;
  ApiError error;
  if (!keyaos::responses::map_request(input, mapped, error)) {
    FUZZ_REQUIRE(error.status == 400);
    FUZZ_REQUIRE(error.type == "invalid_request_error");
    FUZZ_REQUIRE(!error.message.empty() && !error.code.empty());
    const Json body = keyaos::parse_json(error.body());
    FUZZ_REQUIRE(body.is_object() && keyaos::field(body, "error") != nullptr);
    return 0;
  }
  FUZZ_REQUIRE(!mapped.model.empty());
  FUZZ_REQUIRE(keyaos::is_valid_json(mapped.chat_body));

  keyaos::openai::ChatRequest chat;
  ApiError chat_error;
  if (!keyaos::openai::parse_chat_request(mapped.chat_body, chat, chat_error)) {
    // Only the routing fields, passed on as they are, are the chat parser's to refuse.
    FUZZ_REQUIRE(chat_error.status == 400 && (chat_error.param == "provider" || chat_error.param == "models"));
    return 0;
  }
  FUZZ_REQUIRE(chat.model == mapped.model);
  FUZZ_REQUIRE(chat.stream == mapped.stream);

  const Json parsed = keyaos::parse_json(mapped.chat_body);
  if (!parsed.is_discarded()) {  // nlohmann refuses numbers beyond double range
    const Json* messages = keyaos::field(parsed, "messages");
    FUZZ_REQUIRE(messages && messages->is_array() && !messages->empty());
    if (mapped.stream) {
      const Json* options = keyaos::field(parsed, "stream_options");
      FUZZ_REQUIRE(options != nullptr && keyaos::bool_field(*options, "include_usage"));
    }
    if (const Json* tools = keyaos::field(parsed, "tools")) {
      FUZZ_REQUIRE(tools->is_array() && !tools->empty());
      for (const Json& t : *tools) {
        const Json* fn = keyaos::field(t, "function");
        FUZZ_REQUIRE(fn != nullptr);
        const std::string name = keyaos::str_field(*fn, "name");
        FUZZ_REQUIRE(chat_name_ok(name));
        FUZZ_REQUIRE(mapped.tools.find(name) != nullptr);
      }
    } else {
      FUZZ_REQUIRE(keyaos::field(parsed, "tool_choice") == nullptr);
    }
  }

  keyaos::responses::MappedRequest again;
  ApiError again_error;
  FUZZ_REQUIRE(keyaos::responses::map_request(input, again, again_error));
  FUZZ_REQUIRE(again.chat_body == mapped.chat_body);
  return 0;
}
