// Fuzz target for the Anthropic Messages request mapper
// (protocols/anthropic/request_mapper) and what it hands the engine.
//
// Input: the client's /v1/messages body.
// Properties checked (FUZZ_REQUIRE):
//   - a refused body gets a 400 invalid_request_error with a message, and its
//     Anthropic-shaped body ({"type":"error","error":{type,message}}) is valid JSON;
//   - an accepted body has a model, and the chat body written for the engine
//     is valid JSON that the chat request parser accepts, with that model;
//   - every function name sent upstream fits OpenAI's 64 bytes of
//     [A-Za-z0-9_-] and maps back to the client's name;
//   - mapping is deterministic: the same body maps to the same bytes (what
//     keeps upstream prompt caches warm);
//   - the token estimate is positive.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/json_validate.h"
#include "protocols/anthropic/errors.h"
#include "protocols/anthropic/request_mapper.h"
#include "protocols/openai/chat_request.h"

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

using keyaos::ApiError;
using keyaos::Json;

bool valid_function_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

int fuzz_messages_request(const uint8_t* bytes, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  keyaos::anthropic::MappedRequest mapped;
  ApiError error;
  if (!keyaos::anthropic::map_messages_request(input, mapped, error)) {
    FUZZ_REQUIRE(error.status == 400);
    FUZZ_REQUIRE(error.type == "invalid_request_error");
    FUZZ_REQUIRE(!error.message.empty());
    const Json body = keyaos::parse_json(keyaos::anthropic::error_body(error, 0));
    FUZZ_REQUIRE(body.is_object() && keyaos::str_field(body, "type") == "error");
    return 0;
  }
  FUZZ_REQUIRE(!mapped.model.empty());
  FUZZ_REQUIRE(keyaos::is_valid_json(mapped.chat_body));
  keyaos::openai::ChatRequest chat;
  ApiError chat_error;
  // Values the chat parser bounds more tightly (temperature 0-2) may refuse; the JSON itself never does.
  if (keyaos::openai::parse_chat_request(mapped.chat_body, chat, chat_error)) {
    FUZZ_REQUIRE(chat.model == mapped.model);
    FUZZ_REQUIRE(chat.stream == mapped.stream);
  } else {
    FUZZ_REQUIRE(chat_error.param == "temperature" || chat_error.param == "top_p" || chat_error.param == "provider");
  }
  const Json parsed = keyaos::parse_json(mapped.chat_body);
  if (!parsed.is_discarded()) {  // nlohmann refuses numbers beyond double range
    if (const Json* tools = keyaos::field(parsed, "tools"))
      for (const auto& t : *tools) {
        const std::string name = keyaos::str_field(t["function"], "name");
        FUZZ_REQUIRE(valid_function_name(name));
        FUZZ_REQUIRE(keyaos::anthropic::shorten_tool_name(mapped.tool_names.client_name(name)) == name);
      }
  }
  keyaos::anthropic::MappedRequest again;
  ApiError again_error;
  FUZZ_REQUIRE(keyaos::anthropic::map_messages_request(input, again, again_error));
  FUZZ_REQUIRE(again.chat_body == mapped.chat_body);
  FUZZ_REQUIRE(keyaos::anthropic::estimate_input_tokens(mapped) > 0);
  return 0;
}
