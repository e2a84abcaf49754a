// Defects found by fuzzing (tests/fuzz), pinned as plain unit tests.
#include <catch2/catch.hpp>

#include <string>

#include "catalog/credits.h"
#include "core/json_validate.h"
#include "protocols/openai/chat_request.h"

using namespace keyaos;

TEST_CASE("a chat body with invalid tokens inside a forwarded value is refused as invalid JSON", "[fuzz][openai]") {
  for (const char* body : {
           R"({"model":"a/b","messages":[{"role":"user","content":"x"}],"tools":[tru]})",
           R"({"model":"a/b","messages":[{"role":"user","content":"x"}],"tools":[{"a" "b"}]})",
           R"({"model":"a/b","messages":[{"role":"user","content":"x"},1x]})",
           R"({"model":"a/b","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":nul}})",
           R"({"model":"a/b","messages":[{"role":"user","content":"\ud800"}]})",
       }) {
    INFO(body);
    openai::ChatRequest req;
    ApiError error;
    CHECK_FALSE(openai::parse_chat_request(body, req, error));
    CHECK(error.status == 400);
    CHECK(error.code == "invalid_json");
  }
  openai::ChatRequest ok;
  ApiError error;
  CHECK(openai::parse_chat_request(
      R"({"model":"a/b","messages":[{"role":"user","content":"\ud83d\ude00 -0.5e+3"}],"tools":[true,-0.5e+3,{"a":null}]})", ok,
      error));
}

TEST_CASE("is_valid_json follows the JSON grammar", "[fuzz]") {
  for (const char* good : {"0", "-0.5E-7", "\"\\u00e9\\/\"", "[]", "{}", " [1, {\"a\": [true, false, null]}] ", "\"\\ud83d\\ude00\""})
    CHECK(is_valid_json(good));
  for (const char* bad : {"", "01", "1.", "-", "[1,]", "{\"a\"}", "{\"a\":1,}", "[1 2]", "tru", "\"\\x\"", "\"\\udc00\"",
                          "[", "]", "1 2", "{1:2}", "\"a\nb\""})
    CHECK_FALSE(is_valid_json(bad));
  // Strings are skipped eight bytes at a time: what ends or breaks one is found at every offset.
  for (size_t at = 0; at < 20; ++at) {
    const std::string before(at, 'x'), after(20 - at, 'y');
    INFO(at);
    CHECK(is_valid_json("[\"" + before + "\\\"" + after + "\",1]"));
    CHECK(is_valid_json("[\"" + before + "\\u00e9" + after + "\"]"));
    CHECK_FALSE(is_valid_json("[\"" + before + "\n" + after + "\"]"));
    CHECK_FALSE(is_valid_json("[\"" + before + "\\q" + after + "\"]"));
    CHECK_FALSE(is_valid_json("[\"" + before));
  }
}

TEST_CASE("a balance beyond what int64 nano-USD holds is refused", "[fuzz][catalog]") {
  catalog::CreditBalance balance;
  std::string error;
  CHECK_FALSE(catalog::parse_credits("deepseek", R"({"balance_infos":[{"currency":"CNY","total_balance":100}]})", 1e-300,
                                     balance, error));
  CHECK(error == "balance: amount out of range");
  CHECK_FALSE(catalog::parse_credits("openrouter", R"({"data":{"total_credits":1e300,"total_usage":0}})", 7.2, balance, error));
  CHECK_FALSE(catalog::parse_credits("openrouter", R"({"data":{"total_credits":1e10,"total_usage":0}})", 7.2, balance, error));
  REQUIRE(catalog::parse_credits("openrouter", R"({"data":{"total_credits":8e9,"total_usage":"0.5"}})", 7.2, balance, error));
  CHECK(balance.remaining_usd == 7999999999.5);
}
