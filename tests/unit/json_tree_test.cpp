// core/json_tree.h: On-Demand values as nlohmann trees.
#include <catch2/catch.hpp>

#include <string>

#include "core/json_tree.h"
#include "core/limits.h"

using namespace keyaos;

namespace {

template <class Json>
bool tree_of(const std::string& text, Json& out) {
  json_read::Input input;
  return json_tree::object_from_text(text, input, out);
}

}  // namespace

TEST_CASE("an object becomes the tree nlohmann's parser would build", "[json_tree]") {
  const std::string text =
      R"({"z":1,"a":[true,false,null,-3,18446744073709551615,1.5,1e2,123456789012345678901234567890],"s":"\u00e9\n","o":{}})";
  nlohmann::json sorted;
  REQUIRE(tree_of(text, sorted));
  CHECK(sorted == nlohmann::json::parse(text));
  CHECK(sorted.dump() == nlohmann::json::parse(text).dump());  // integer and floating forms kept alike
  nlohmann::ordered_json ordered;
  REQUIRE(tree_of(text, ordered));
  CHECK(ordered.dump() == nlohmann::ordered_json::parse(text).dump());
  CHECK(ordered.begin().key() == "z");  // the document's order
}

TEST_CASE("duplicate members keep the last value; bad or deep text is refused", "[json_tree]") {
  nlohmann::ordered_json out;
  REQUIRE(tree_of(R"({"a":1,"b":2,"a":3})", out));
  CHECK(out.dump() == R"({"a":3,"b":2})");
  const size_t limit = limits::kMaxJsonDepth;
  // {"a": followed by arrays: the object is level 0, so `limit` arrays inside still fit.
  auto nested = [](size_t arrays) { return "{\"a\":" + std::string(arrays, '[') + std::string(arrays, ']') + "}"; };
  CHECK(tree_of(nested(limit), out));
  CHECK_FALSE(tree_of(nested(limit + 1), out));
  for (const char* bad : {"[1]", "{\"a\":nul}", "{\"a\":1} x", "{\"a\":tru}", "{\"a\":1,}", "{\"a\"", "\"\xff\"", "1e999"}) {
    INFO(bad);
    CHECK_FALSE(tree_of(bad, out));
  }
}
