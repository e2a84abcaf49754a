// core/json_index.h: simdjson's first stage with plain string bytes indexed
// eight at a time must give exactly the index and error of the library's
// scalar kernel, on every input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/json_index.h"
#include "fixtures.h"

namespace {

struct Stage1 {
  simdjson::error_code error;
  std::vector<uint32_t> indexes;  // the structurals and the three entries written past them
};

Stage1 ours(const std::string& text) {
  const simdjson::padded_string padded(text);
  std::vector<uint32_t> indexes(text.size() + 3);
  uint32_t count = 0;
  const simdjson::error_code error =
      keyaos::json_index::index(reinterpret_cast<const uint8_t*>(padded.data()), text.size(), indexes.data(), count);
  indexes.resize(count + 3);
  return {error, indexes};
}

Stage1 library(const std::string& text) {
  const simdjson::padded_string padded(text);
  std::unique_ptr<simdjson::internal::dom_parser_implementation> parser;
  REQUIRE(simdjson::get_available_implementations()["fallback"]->create_dom_parser_implementation(text.size(), 64, parser) ==
          simdjson::SUCCESS);
  const simdjson::error_code error =
      parser->stage1(reinterpret_cast<const uint8_t*>(padded.data()), text.size(), simdjson::stage1_mode::regular);
  const uint32_t* first = parser->structural_indexes.get();
  return {error, std::vector<uint32_t>(first, first + parser->n_structural_indexes + 3)};
}

void same_as_library(const std::string& text) {
  const Stage1 a = ours(text), b = library(text);
  INFO("input of " << text.size() << " bytes: " << text.substr(0, 200));
  CHECK(a.error == b.error);
  CHECK(a.indexes == b.indexes);
}

// The bytes that steer the scan: quotes, escapes, operators, whitespace,
// control bytes, UTF-8 lead and continuation bytes, and plain text.
std::string random_text(std::mt19937& rng, size_t max_length) {
  static const std::string alphabet = std::string("\"\\{}[],: \t\r\nabc019-+.etrufalsn") + '\0' + '\x1f' + '\x7f' + "\xc2\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x80\xbf\xc0\xc1\xe0\xed\xa0\x9f\xf4\x90\xf5\xff";
  std::uniform_int_distribution<size_t> length(0, max_length), pick(0, alphabet.size() - 1), run(0, 3);
  std::string out;
  const size_t n = length(rng);
  while (out.size() < n) {
    // Runs of plain letters too, so the eight-byte path starts and stops everywhere.
    if (run(rng) == 0) out.append(std::uniform_int_distribution<size_t>(1, 20)(rng), 'x');
    else out += alphabet[pick(rng)];
  }
  return out;
}

}  // namespace

TEST_CASE("the first stage indexes what simdjson's scalar kernel indexes, errors included", "[json_index]") {
  for (const std::string& text : std::vector<std::string>{
           "", " ", "{}", "[]", "\"\"", "\"", "\"abc", "\"abc\\", "\"abc\\\"", "{\"a\":1}", " { \"a\" : [1, 2.5e3, true, null] } ",
           "\"plain ascii text longer than eight bytes\"", "\"0123456\"", "\"01234567\"", "\"012345678\"", "\"0123456\\\"89\"",
           "\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 and more text\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
           "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\x80\"", "\"\xc3\"", "\"\xe2\x82\"", "\"\xf0\x9f\x98\"", "\"tab\there\"",
           std::string("\"nul\0inside\"", 12), "\"\x1f\"", "nul", "123abc", "tru e", "\"a\"\"b\"", "[\"aaaaaaaa\\u00e9aaaaaaaa\"]",
       })
    same_as_library(text);
}

TEST_CASE("the first stage agrees with the scalar kernel on random bytes and on every corpus file", "[json_index]") {
  std::mt19937 rng(20261208);
  for (int i = 0; i < 20000; i++) same_as_library(random_text(rng, i % 10 == 0 ? 600 : 60));

  // Real bodies, each also with a few bytes changed at random.
  std::vector<std::string> bodies;
  for (const auto& folder : std::filesystem::directory_iterator(KEYAOS_FUZZ_CORPUS))
    for (const auto& file : std::filesystem::directory_iterator(folder.path())) {
      std::ifstream in(file.path(), std::ios::binary);
      bodies.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
  bodies.push_back(read_fixture("openrouter_models_entry.json"));
  REQUIRE(bodies.size() > 1000);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const std::string& body : bodies) {
    same_as_library(body);
    if (body.empty()) continue;
    std::string mutated = body;
    for (int k = 0; k < 3; k++) mutated[std::uniform_int_distribution<size_t>(0, body.size() - 1)(rng)] = static_cast<char>(byte(rng));
    same_as_library(mutated);
  }
}

TEST_CASE("On-Demand parsers use the first stage, and documents read as before", "[json_index]") {
  // tests/unit/main.cpp installs it, as the engine does in wasm.
  CHECK(std::string(simdjson::get_active_implementation()->name()) == "fallback_indexed");
  CHECK(keyaos::json_index::install_where_scalar());

  simdjson::ondemand::parser parser;
  const simdjson::padded_string json(std::string(R"({"name": "caf\u00e9 \"x\"", "list": [1, 2, 3], "text": "plain text of some length"})"));
  simdjson::ondemand::document doc;
  REQUIRE(parser.iterate(json).get(doc) == simdjson::SUCCESS);
  std::string_view name, text;
  REQUIRE(doc["name"].get_string().get(name) == simdjson::SUCCESS);
  CHECK(name == "caf\xc3\xa9 \"x\"");
  int64_t sum = 0;
  for (auto item : doc["list"].get_array()) sum += item.get_int64().value_unsafe();
  CHECK(sum == 6);
  REQUIRE(doc["text"].get_string().get(text) == simdjson::SUCCESS);
  CHECK(text == "plain text of some length");

  const simdjson::padded_string broken(std::string("{\"a\": \"\xc3\"}"));
  CHECK(parser.iterate(broken).get(doc) == simdjson::UTF8_ERROR);
  const simdjson::padded_string unclosed(std::string("{\"a\": \"open"));
  CHECK(parser.iterate(unclosed).get(doc) == simdjson::UNCLOSED_STRING);

  // The DOM and iterate_many are the library's own, through the same implementation.
  simdjson::dom::parser dom;
  simdjson::dom::element element;
  REQUIRE(dom.parse(json).get(element) == simdjson::SUCCESS);
  simdjson::dom::array list;
  REQUIRE(element["list"].get_array().get(list) == simdjson::SUCCESS);
  CHECK(list.size() == 3);
  const simdjson::padded_string many(std::string(R"({"n":1} {"n":2} {"n":3})"));
  simdjson::dom::document_stream dom_stream;
  REQUIRE(dom.parse_many(many).get(dom_stream) == simdjson::SUCCESS);
  int64_t dom_total = 0;
  for (auto d : dom_stream) dom_total += d["n"].get_int64().value_unsafe();
  CHECK(dom_total == 6);
  simdjson::ondemand::document_stream stream;
  REQUIRE(parser.iterate_many(many).get(stream) == simdjson::SUCCESS);
  int64_t total = 0;
  for (auto d : stream) total += d["n"].get_int64().value_unsafe();
  CHECK(total == 6);
}

namespace {

// parse_string from just past an opening quote: the bytes written up to the
// returned end, or "(error)".
std::string unescaped(const simdjson::internal::dom_parser_implementation& parser, const std::string& body, bool allow_replacement) {
  std::string input = body + "\"";
  input.append(simdjson::SIMDJSON_PADDING, '\0');
  std::vector<uint8_t> out(body.size() * 3 + simdjson::SIMDJSON_PADDING);
  const uint8_t* end = parser.parse_string(reinterpret_cast<const uint8_t*>(input.data()), out.data(), allow_replacement);
  return end ? std::string(reinterpret_cast<const char*>(out.data()), end - out.data()) : std::string("(error)");
}

// A string body as stage 1 lets through (its quotes escaped), made of plain
// text, one-character escapes, \u escapes good and bad, and invalid escapes.
std::string random_string_body(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "a", "plain text ", "0123456789abcdef", "\xc3\xa9", "\xf0\x9f\x98\x80", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
      "\\u00e9", "\\u0041", "\\u20ac", "\\ud83d\\ude00", "\\ud800", "\\udc00", "\\ud83d\\u0041", "\\u12", "\\uzzzz", "\\x", "\\'", "\x01"};
  std::uniform_int_distribution<size_t> count(0, 40), pick(0, pieces.size() - 1);
  std::string out;
  for (size_t i = count(rng); i > 0; i--) out += pieces[pick(rng)];
  return out;
}

}  // namespace

TEST_CASE("strings unescape as the library's scalar code unescapes them", "[json_index]") {
  std::unique_ptr<simdjson::internal::dom_parser_implementation> ours_parser;
  REQUIRE(simdjson::get_active_implementation()->create_dom_parser_implementation(1024, 64, ours_parser) == simdjson::SUCCESS);
  const simdjson::fallback::dom_parser_implementation library_parser;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; i++) {
    const std::string body = random_string_body(rng);
    for (const bool allow_replacement : {false, true}) {
      INFO(body);
      CHECK(unescaped(*ours_parser, body, allow_replacement) == unescaped(library_parser, body, allow_replacement));
    }
  }
  CHECK(unescaped(*ours_parser, "caf\\u00e9 \\\"quoted\\\" and a long plain tail", false) == "caf\xc3\xa9 \"quoted\" and a long plain tail");
  CHECK(unescaped(*ours_parser, "bad \\q escape", false) == "(error)");
}
