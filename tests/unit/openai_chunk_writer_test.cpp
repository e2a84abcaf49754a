// The chunk writer's hand-written text deltas must serialise exactly as a
// json object would (the translators' expected-output fixtures rely on it).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "protocols/common/openai_chunks.h"

using namespace keyaos;

namespace {

std::string reference_delta(bool with_role, const char* field, const std::string& text) {
  nlohmann::ordered_json delta = nlohmann::ordered_json::object();
  if (with_role) delta["role"] = "assistant";
  delta[field] = text;
  nlohmann::ordered_json head = {{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"created", 7}, {"model", "m"}};
  std::string envelope = head.dump();
  envelope.pop_back();
  return "data: " + envelope + ",\"choices\":[{\"index\":0,\"delta\":" +
         delta.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
}

}  // namespace

TEST_CASE("OpenAIChunkWriter: text deltas match nlohmann's serialisation byte for byte") {
  const std::vector<std::string> texts = {
      "plain", "", "quote \" backslash \\ slash /", "lines\nand\ttabs\r\x08\x0c", std::string("nul \0 and \x01\x1f", 13),
      "del \x7f", "héllo 世界 🎉", "\xe2\x82\xac end", "bad \xff byte", "truncated \xe4\xb8", "surrogate \xed\xa0\x80",
      "overlong \xc0\xaf", "long ascii run " + std::string(100, 'a')};
  for (const auto& text : texts) {
    OpenAIChunkWriter w("chatcmpl-1", 7, "m");
    std::string out;
    w.content(text, out);
    w.reasoning(text, out);
    REQUIRE(out == reference_delta(true, "content", text) + reference_delta(false, "reasoning_content", text));
  }
}
