// core/json_write.h: the fast writer gives nlohmann's dump, byte for byte.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "core/json.h"
#include "core/json_write.h"

using namespace keyaos;

namespace {

std::string nlohmann_string(const std::string& text) { return dump_json(Json(text)); }

std::string written(std::string_view text) {
  std::string out;
  json_write::string(text, out);
  return out;
}

}  // namespace

TEST_CASE("strings are escaped as nlohmann escapes them", "[json_write]") {
  std::string every_byte;
  for (int c = 0; c < 128; ++c) every_byte += static_cast<char>(c);
  for (const std::string& text :
       {std::string(), std::string("plain text, long enough to take the eight-byte path"), std::string("\"quoted\" \\ back/slash"),
        every_byte, std::string("caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8"), std::string("\x7f\x1f\x00tail", 7),
        std::string("bad \xff\xfe utf-8 \xc3"), std::string("trunc\xe2\x82"), std::string(17, '\n')}) {
    INFO(text);
    CHECK(written(text) == nlohmann_string(text));
  }
}

TEST_CASE("random strings and trees are written as nlohmann writes them", "[json_write]") {
  std::mt19937 rng(12345);
  // Bytes chosen to hit runs, escapes, multi-byte sequences and broken ones.
  const std::string alphabet = std::string("ab \"\\/\n\t\x01\x1f\x7f", 12) + "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\x80";
  auto random_text = [&](size_t max) {
    std::string s(rng() % (max + 1), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    const std::string text = random_text(40);
    INFO(i);
    REQUIRE(written(text) == nlohmann_string(text));
  }
  nlohmann::ordered_json tree = {{"z", random_text(30)},
                                 {"a", {1, -2, 18446744073709551615ULL, 0.1, 1e300, true, false, nullptr, "x"}},
                                 {"o", {{"k", nlohmann::ordered_json::object()}, {"e", nlohmann::ordered_json::array()}}}};
  tree[random_text(10)] = random_text(100);
  CHECK(json_write::dump(tree) == tree.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  const Json sorted = parse_json(R"({"b":[{"c":"\u0001"}],"a":-0.5})");
  CHECK(json_write::dump(sorted) == dump_json(sorted));
}
