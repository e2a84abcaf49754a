// Gift card codes (wasm/platform/gift_code.h): the alphabet, the format,
// rejection sampling without modulo bias, and the normalisation of input.
// Also the statements of a redeem and of a batch insert (D1's limits).
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "api/console.h"
#include "api/credits.h"
#include "fake_host.h"
#include "platform/gift_code.h"
#include "store/console_store.h"
#include "store/gift_cards_store.h"

using namespace keyaos;
namespace gc = keyaos::platform::gift_code;

namespace {

std::string hex_of(const std::vector<uint8_t>& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// A fixed-seed generator, so the statistical check is deterministic.
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

}  // namespace

TEST_CASE("gift codes: the alphabet has 31 unambiguous symbols") {
  REQUIRE(gc::kAlphabet.size() == 31);
  std::set<char> distinct(gc::kAlphabet.begin(), gc::kAlphabet.end());
  CHECK(distinct.size() == 31);
  for (char look_alike : std::string("01ILO"))
    CHECK(gc::kAlphabet.find(look_alike) == std::string_view::npos);
  for (char c : gc::kAlphabet) CHECK(((c >= '2' && c <= '9') || (c >= 'A' && c <= 'Z')));
}

TEST_CASE("gift codes: KAOS- and four dashed groups of four alphabet symbols") {
  std::vector<uint8_t> bytes;
  SplitMix rng{42};
  for (int i = 0; i < 400; ++i) bytes.push_back(static_cast<uint8_t>(rng.next()));
  std::string symbols;
  gc::symbols_from_hex(hex_of(bytes), symbols);
  const auto codes = gc::codes_from_symbols(symbols);
  REQUIRE(codes.size() == symbols.size() / 16);
  for (const auto& code : codes) {
    REQUIRE(code.size() == gc::kLength);
    CHECK(code.rfind("KAOS-", 0) == 0);
    for (size_t i = 4; i < code.size(); i += 5) CHECK(code[i] == '-');
    for (size_t g = 0; g < 4; ++g)
      for (size_t j = 0; j < 4; ++j) CHECK(gc::kAlphabet.find(code[5 + g * 5 + j]) != std::string_view::npos);
    CHECK(gc::hint(code) == code.substr(code.size() - 4));
    // A code is its own normal form.
    CHECK(gc::normalise(code) == code);
  }
  // The bytes asked for cover the symbols of the codes with room for rejections.
  CHECK(gc::random_bytes_for(500) * 248 / 256 > 500 * 16);
}

TEST_CASE("gift codes: rejection sampling gives every symbol the same chance") {
  // Each byte value once: the 248 accepted bytes give every symbol exactly 8
  // times, the 8 bytes >= 248 are dropped (plain byte % 31 would give the
  // first 8 symbols 9 times and the rest 8).
  std::vector<uint8_t> every;
  for (int b = 0; b < 256; ++b) every.push_back(static_cast<uint8_t>(b));
  std::string symbols;
  CHECK(gc::symbols_from_hex(hex_of(every), symbols) == 8);
  REQUIRE(symbols.size() == 248);
  std::array<int, 31> counts{};
  for (char c : symbols) ++counts[gc::kAlphabet.find(c)];
  for (int n : counts) CHECK(n == 8);

  // A long random stream: every symbol's frequency within 3 % of 1/31, and
  // the chi-square statistic far below what a biased draw would give.
  SplitMix rng{7};
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 310'000; ++i) bytes.push_back(static_cast<uint8_t>(rng.next() >> 56));
  symbols.clear();
  const size_t dropped = gc::symbols_from_hex(hex_of(bytes), symbols);
  CHECK(dropped > 0);
  counts = {};
  for (char c : symbols) ++counts[gc::kAlphabet.find(c)];
  const double expected = static_cast<double>(symbols.size()) / 31;
  double chi2 = 0;
  for (int n : counts) {
    CHECK(std::abs(n - expected) / expected < 0.03);
    chi2 += (n - expected) * (n - expected) / expected;
  }
  // 30 degrees of freedom: p = 0.001 at 59.7. A modulo bias of 9/8 on 8
  // symbols would put it in the hundreds.
  CHECK(chi2 < 59.7);
  // Non-hex input yields no symbols.
  std::string none;
  gc::symbols_from_hex("zz", none);
  CHECK(none.empty());
}

TEST_CASE("gift codes: input is trimmed, upper-cased and read without dashes or the prefix") {
  const std::string code = "KAOS-ABCD-2345-WXYZ-9876";
  CHECK(gc::normalise(code) == code);
  CHECK(gc::normalise("  kaos-abcd-2345-wxyz-9876\n") == code);
  CHECK(gc::normalise("KAOSABCD2345WXYZ9876") == code);
  CHECK(gc::normalise("abcd2345wxyz9876") == code);
  CHECK(gc::normalise("ABCD-2345-WXYZ-9876") == code);
  CHECK(gc::normalise("kaos abcd 2345 wxyz 9876") == code);
  // Not codes: wrong length, look-alikes outside the alphabet, other bytes.
  CHECK(gc::normalise("").empty());
  CHECK(gc::normalise("KAOS-ABCD-2345-WXYZ-987").empty());
  CHECK(gc::normalise("KAOS-ABCD-2345-WXYZ-98765").empty());
  CHECK(gc::normalise("KAOS-ABCD-2345-WXYZ-9870").empty());  // 0
  CHECK(gc::normalise("KAOS-ABCD-2345-WXYZ-987O").empty());  // O
  CHECK(gc::normalise("KAOS-ABCD-2345-WXYZ-98I1").empty());
  CHECK(gc::normalise("KAOS-ABCD-2345-WXYZ-98\xc3\xa9").empty());
  CHECK(gc::normalise(std::string(65, 'A')).empty());
}

TEST_CASE("gift cards: a 500-card batch is inserted in statements of at most 100 parameters") {
  std::vector<store::gift_cards::NewCard> cards;
  for (int i = 0; i < 500; ++i) cards.push_back({"gc_" + std::to_string(i), std::string(64, 'a'), "ABCD"});
  const auto statements = store::gift_cards::insert(cards, "gcb_1", 500, "", "user_op", 1000);
  REQUIRE(statements.size() == (500 + 29) / 30);
  size_t rows = 0;
  for (const auto& s : statements) {
    CHECK(s.name == "gift_cards.insert");
    CHECK(s.params.size() <= 100);
    rows += (s.params.size() - 5) / 3;
  }
  CHECK(rows == 500);
  // The highest placeholder of the fullest statement is its last parameter.
  CHECK(statements[0].sql.find("?95") != std::string::npos);
  CHECK(statements[0].sql.find("?96") == std::string::npos);
}

TEST_CASE("gift cards: the redeem's entry and the grant's entry are guarded by the row they record") {
  const auto credit = store::gift_cards::credit("user_a", "h", 5);
  CHECK(credit.sql.find("INSERT OR IGNORE INTO wallet_entries") != std::string::npos);
  CHECK(credit.sql.find("redeemed_by = ?1 AND g.redeemed_at = ?2") != std::string::npos);
  const auto claim = store::gift_cards::claim("user_a", "h", 5, 1, 20);
  CHECK(claim.sql.find("redeemed_by IS NULL") != std::string::npos);
  CHECK(claim.params[0] == "user_a");
  const auto apply = store::console::apply_adjustment("adj_1");
  CHECK(apply.sql.find("FROM credit_adjustments WHERE id = ?") != std::string::npos);
}

TEST_CASE("credits: entry labels and kinds") {
  CHECK(api::known_entry_kind("gift_card"));
  CHECK(api::known_entry_kind("auto_topup"));
  CHECK_FALSE(api::known_entry_kind("spend' OR 1=1"));
  CHECK(api::entry_description("spend", "") == "API usage");
  CHECK(api::entry_description("earn", "") == "Earned from shared credential");
  CHECK(api::entry_description("topup", "") == "Credit purchase");
  CHECK(api::entry_description("grant", "support") == "Credit grant: support");
  CHECK(api::entry_description("revoke", "mistake") == "Credit revoked: mistake");
  CHECK(api::entry_description("grant", "") == "Credit grant");
  CHECK(api::activity_bucket_minutes(24) == 5);
  CHECK(api::activity_bucket_minutes(72) == 30);
  CHECK(api::activity_bucket_minutes(168) == 120);
}

TEST_CASE("Core mode: the credits and console routes do not exist, after auth like unknown routes", "[routes]") {
  keyaos::testing::FakeHost host;  // Core: the admin token
  struct Row {
    const char* method;
    const char* path;
    const char* body;
  };
  const Row rows[] = {{"GET", "/api/credits/balance", ""},     {"GET", "/api/credits/transactions", ""},
                      {"POST", "/api/credits/redeem", R"({"code":"KAOS-2345-2345-2345-2345"})"},
                      {"GET", "/api/admin/overview", ""},      {"GET", "/api/admin/users", ""},
                      {"GET", "/api/admin/activity", ""},      {"POST", "/api/admin/credits", R"({"owner_id":"a","amount_cents":1,"reason":"r"})"},
                      {"GET", "/api/admin/adjustments", ""},   {"GET", "/api/admin/gift-cards", ""},
                      {"POST", "/api/admin/gift-cards", R"({"amount_cents":1,"count":1})"},
                      {"POST", "/api/admin/sync", ""},         {"DELETE", "/api/admin/overview", ""}};
  for (const Row& row : rows) {
    for (const bool signed_in : {true, false}) {
      INFO(row.method << " " << row.path << (signed_in ? " with the admin token" : " without a token"));
      Json headers = Json::object();
      if (signed_in) headers["authorization"] = std::string("Bearer ") + keyaos::testing::kAdminToken;
      const uint32_t h = host.engine.open();
      const Action a = host.engine.step(h, keyaos::testing::FakeHost::event({{"type", "request"}, {"method", row.method}, {"path", row.path},
                                                                              {"query", ""}, {"headers", headers}, {"now", 1000},
                                                                              {"nonce", std::string(32, 'a')}}),
                                        row.body);
      host.engine.close(h);
      REQUIRE(str_field(a.head, "type") == "respond");
      const Json error = parse_json(a.payload)["error"];
      if (!signed_in) {
        CHECK(int_field(a.head, "status") == 401);
        continue;
      }
      CHECK(int_field(a.head, "status") == 404);
      CHECK(str_field(error, "code") == "not_found");
      CHECK(str_field(error, "message") == std::string("No such route: ") + row.method + " " + row.path);
    }
  }
}
