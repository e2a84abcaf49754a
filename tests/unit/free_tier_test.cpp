// Free-plan margins: a plain one-attempt success writes its attempt on its
// log row, and request ids carry their start (the log table's key).
#include <catch2/catch.hpp>

#include "billing/ledger.h"
#include "fake_host.h"
#include "statements.h"
#include "fixtures.h"

using namespace keyaos;
using namespace keyaos::testing;

TEST_CASE("request ids carry their start, and only ids of that form are read back", "[ledger]") {
  CHECK(billing::request_id(1000, "abcd") == "req_0000000003e8-abcd");
  int64_t at = 0;
  REQUIRE(billing::request_id_start(billing::request_id(1733000000123, "ff00"), at));
  CHECK(at == 1733000000123);
  CHECK_FALSE(billing::request_id_start("req_44444444444444444444444444444444", at));
  CHECK_FALSE(billing::request_id_start("req_0000000003eg-abcd", at));
  CHECK_FALSE(billing::request_id_start("", at));
}

TEST_CASE("a one-attempt success keeps its attempt on its log row; a failover writes every attempt", "[ledger]") {
  const std::string stream = openai_stream({"Hello", " there"}, 10, 2);
  FakeHost host;
  const uint32_t h = host.engine.open();
  REQUIRE(type_of(host.settle(h, host.request(h, kStreamingChatBody, 1000, "cccccccccccccccccccccccccccccccc"), 1000)) == "fetch");
  host.head(h, 200, 1003);
  REQUIRE(type_of(host.chunk(h, stream, 1010)) == "commit_stream");
  Action fin = host.stream_end(h, "", 1020);
  REQUIRE(type_of(fin) == "finish");
  CHECK_FALSE(background_named(fin, "ledger.insert_attempts"));
  const Json* log = background_named(fin, "ledger.insert_log");
  REQUIRE(log);
  CHECK(inserted(*log, "id") == "req_0000000003e8-cccccccccccccccccccccccccccccccc");
  CHECK(inserted(*log, "created_at") == 1000);
  const Json offset = inserted(*log, "attempt_offset_ms");  // the attempt, kept on the row
  CHECK(offset.is_number());
  CHECK(offset.get<int64_t>() >= 0);
  host.engine.close(h);

  // A 500 then a success on the same credential: two attempts, each its own row.
  const uint32_t f = host.engine.open();
  REQUIRE(type_of(host.settle(f, host.request(f, kStreamingChatBody, 2000, "dddddddddddddddddddddddddddddddd"), 2000)) == "fetch");
  Action a = host.engine.step(f, FakeHost::event({{"type", "upstream_head"}, {"status", 500}, {"headers", Json::object()}, {"now", 2001}}), "");
  while (type_of(a) != "fetch") {
    REQUIRE((type_of(a) == "read_body" || type_of(a) == "sleep" || type_of(a) == "cancel_upstream"));
    if (type_of(a) == "read_body") a = host.engine.step(f, FakeHost::event({{"type", "upstream_body"}, {"now", 2002}}), R"({"error":{"message":"x"}})");
    else if (type_of(a) == "sleep") a = host.engine.step(f, FakeHost::event({{"type", "timer"}, {"now", 2003}}), "");
    else a = host.engine.step(f, FakeHost::event({{"type", "cancelled"}, {"now", 2003}}), "");
  }
  host.head(f, 200, 2004);
  REQUIRE(type_of(host.chunk(f, stream, 2005)) == "commit_stream");
  Action fin2 = host.stream_end(f, "", 2006);
  const Json* rows = background_named(fin2, "ledger.insert_attempts");
  REQUIRE(rows);
  CHECK(rows->at("params").size() == 26);  // 2 attempts x 13 columns
  const Json* log2 = background_named(fin2, "ledger.insert_log");
  REQUIRE(log2);
  CHECK(inserted(*log2, "attempt_offset_ms").is_null());
  host.engine.close(f);
}
