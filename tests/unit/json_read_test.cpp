// core/json_read.h: the lenient readers every upstream parser shares.
#include <catch2/catch.hpp>

#include <string>

#include "core/json_read.h"

using namespace keyaos;
namespace od = simdjson::ondemand;

namespace {

// Reads the member `key` of the object `text` with `read`.
template <class Read>
bool read_member(json_read::Input& input, const std::string& text, std::string_view key, Read&& read) {
  od::document doc;
  od::object obj;
  if (input.parse(text, doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto member : obj) {
    od::field field;
    std::string_view name;
    if (!json_read::field_key(member, field, name)) return false;
    if (name != key) continue;
    od::value value = field.value();
    return read(value);
  }
  return false;
}

}  // namespace

TEST_CASE("int64 takes a JSON number or a decimal string, and nothing that overflows", "[json_read]") {
  json_read::Input input;
  auto int64_of = [&](const std::string& text, int64_t& out) {
    return read_member(input, text, "n", [&](od::value& v) { return json_read::int64(v, out); });
  };
  int64_t n = -1;
  CHECK((int64_of(R"({"n": 42})", n) && n == 42));
  CHECK((int64_of(R"({"n": "-9000000000"})", n) && n == -9000000000LL));  // proto3 int64
  CHECK((int64_of(R"({"n": 131072.0})", n) && n == 131072));
  n = 7;
  CHECK_FALSE(int64_of(R"({"n": "9223372036854775808"})", n));
  CHECK_FALSE(int64_of(R"({"n": "12a"})", n));
  CHECK_FALSE(int64_of(R"({"n": 1e30})", n));
  CHECK_FALSE(int64_of(R"({"n": true})", n));
  CHECK(n == 7);
}

TEST_CASE("a value of another type reads as absent and leaves the output alone", "[json_read]") {
  json_read::Input input;
  std::string text = "kept";
  CHECK_FALSE(read_member(input, R"({"s": 5})", "s", [&](od::value& v) { return json_read::string(v, text); }));
  CHECK(text == "kept");
  CHECK(read_member(input, R"({"s": "a\"b"})", "s", [&](od::value& v) { return json_read::string(v, text); }));
  CHECK(text == "a\"b");
  double d = 0;
  CHECK_FALSE(read_member(input, R"({"d": "1.5"})", "d", [&](od::value& v) { return json_read::number(v, d); }));
  CHECK((read_member(input, R"({"d": 1.5})", "d", [&](od::value& v) { return json_read::number(v, d); }) && d == 1.5));
  bool b = false;
  CHECK_FALSE(read_member(input, R"({"b": 1})", "b", [&](od::value& v) { return json_read::boolean(v, b); }));
  CHECK((read_member(input, R"({"b": true})", "b", [&](od::value& v) { return json_read::boolean(v, b); }) && b));
}

TEST_CASE("one input reads document after document, longer ones too", "[json_read]") {
  json_read::Input input;
  for (size_t size : {10u, 1000u, 5u, 100000u, 3u}) {
    const std::string payload(size, 'x');
    std::string text;
    CHECK(read_member(input, R"({"s": ")" + payload + "\"}", "s", [&](od::value& v) { return json_read::string(v, text); }));
    CHECK(text == payload);
  }
  std::string_view view;
  CHECK_FALSE(read_member(input, R"({"s": )", "s", [&](od::value& v) { return json_read::string(v, view); }));  // truncated
}

TEST_CASE("a body opens as an object, as another JSON value, or as not JSON", "[json_read]") {
  json_read::Input input;
  auto opened = [&](const std::string& text) {
    od::document doc;
    od::object obj;
    return json_read::open_object(input, text, doc, obj);
  };
  CHECK(opened(R"({"a":1})") == json_read::Opened::object);
  CHECK(opened("[1,2]") == json_read::Opened::not_object);
  CHECK(opened("\"text\"") == json_read::Opened::not_object);
  CHECK(opened("[1,") == json_read::Opened::not_json);
  CHECK(opened("tru") == json_read::Opened::not_json);
  CHECK(opened("\"\xff\"") == json_read::Opened::not_json);  // stops the first stage: no document to ask
  CHECK(opened("") == json_read::Opened::not_json);
}

TEST_CASE("a document is finished only when read to its end, and never after an error", "[json_read]") {
  json_read::Input input;
  auto finished_after_members = [&](const std::string& text) {
    od::document doc;
    od::object obj;
    if (json_read::open_object(input, text, doc, obj) != json_read::Opened::object) return false;
    json_read::each_member(obj, [](std::string_view, od::value& v) {
      json_read::each_object(v, [](od::object& item) { json_read::each_member(item, [](std::string_view, od::value&) { return true; }); });
      return true;
    });
    return json_read::finished(doc);
  };
  CHECK(finished_after_members(R"({"a":[1,{"b":2}],"c":"d"})"));
  CHECK_FALSE(finished_after_members(R"({"a":1} x)"));
  // An error inside a value being read ends the iteration (simdjson abandons
  // the document); the document is then dead, not finished.
  CHECK_FALSE(finished_after_members(R"({"a":[tru, 1x, {"b" "c"}]})"));
}
