// The repositories in wasm/store/: the guards that make statements safe to
// run again or concurrently live in their SQL, so their SQL is checked here;
// every other test knows statements by name only.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <set>

#include "billing/ledger.h"
#include "store/api_keys_store.h"
#include "store/catalog_store.h"
#include "store/gift_cards_store.h"
#include "store/credentials_store.h"
#include "store/health_store.h"
#include "store/ledger_store.h"
#include "store/oauth_store.h"
#include "store/providers_store.h"
#include "store/settings_store.h"
#include "store/sync_state_store.h"
#include "store/wallet_store.h"
#include "request_records.h"

using namespace keyaos;

namespace {

bool has(const Statement& s, const std::string& text) { return s.sql.find(text) != std::string::npos; }

size_t placeholders(const std::string& sql) {
  size_t n = 0;
  for (char c : sql) n += c == '?';
  return n;
}

billing::RequestRecord billed_request() { return testing::billed_request("owner_1", 1234); }

}  // namespace

TEST_CASE("the ledger's balance updates act only while the request's log row is absent", "[store][ledger]") {
  const billing::RequestRecord r = billed_request();
  const std::string unlogged = "AND NOT EXISTS (SELECT 1 FROM request_logs WHERE owner_id = ?5 AND created_at = ?6 AND id = ?4)";
  for (const Statement& s : {store::ledger::charge_credential(r), store::ledger::charge_api_key(r, r.cost.effective)}) {
    INFO(s.name);
    CHECK(has(s, unlogged));
    // ?1 cost, ?2 time, ?3 the row's id, ?4 request id, ?5 owner, ?6 the request's start
    // (and for the credential ?7, its owner: the caller's own, or a shared-pool contributor).
    const bool credential = s.name == "ledger.charge_credential";
    REQUIRE(s.params.size() == (credential ? 7 : 6));
    CHECK(s.params[0] == 1234);
    CHECK(s.params[3] == r.id);
    CHECK(s.params[4] == r.owner_id);
    CHECK(s.params[5] == r.created_at);
    if (credential) CHECK(s.params[6] == r.owner_id);
    CHECK(has(s, credential ? "WHERE id = ?3 AND owner_id = ?7" : "WHERE id = ?3 AND owner_id = ?5"));
  }
  CHECK(store::ledger::charge_credential(r).params[2] == "cred_1");
  CHECK(has(store::ledger::charge_credential(r), "MAX(quota_nusd - ?1, 0)"));  // never below zero
  CHECK(store::ledger::charge_api_key(r, 0).params[2] == "key_1");
  // The log row and attempts are inserted at most once.
  CHECK(store::ledger::insert_log(r, 1, std::nullopt).sql.rfind("INSERT OR IGNORE INTO request_logs", 0) == 0);
  std::vector<billing::AttemptRecord> attempts(1);
  CHECK(store::ledger::insert_attempts(r, attempts)[0].sql.rfind("INSERT OR IGNORE INTO request_attempt_rows", 0) == 0);
}

TEST_CASE("the ledger batch: balances first, the log row last, each statement named", "[store][ledger]") {
  const billing::RequestRecord r = billed_request();
  std::vector<billing::AttemptRecord> attempts(2);
  const std::vector<Statement> batch = billing::ledger_statements(r, attempts);
  std::vector<std::string> names;
  for (const auto& s : batch) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"ledger.charge_credential", "ledger.charge_api_key", "ledger.release_reservation",
                                          "ledger.insert_attempts", "ledger.insert_log"});
}

TEST_CASE("attempt rows are split so no statement binds more than D1's 100 parameters", "[store][ledger]") {
  const billing::RequestRecord r = billed_request();
  std::vector<billing::AttemptRecord> attempts(20);
  const std::vector<Statement> rows = store::ledger::insert_attempts(r, attempts);
  REQUIRE(rows.size() == 3);  // 7 + 7 + 6 attempts of 13 columns
  size_t bound = 0;
  for (const auto& s : rows) {
    CHECK(s.params.size() <= 100);
    CHECK(placeholders(s.sql) == s.params.size());
    bound += s.params.size();
  }
  CHECK(bound == 20 * 13);
  CHECK(rows[2].params[1] == 15);  // attempts keep their numbers across statements
}

TEST_CASE("a quota reservation fits the key's spend, its requests in flight and its quota in one statement", "[store][quota]") {
  const Statement s = store::ledger::reserve("owner_1", "key_1", "req_1", 500, 1000);
  CHECK(has(s, "k.used_nusd + ?2 + (SELECT COALESCE(SUM(r.amount_nusd), 0) FROM api_key_reservations r WHERE r.api_key_id = ?4) <= k.quota_nusd"));
  CHECK(has(s, "k.quota_nusd IS NULL OR"));
  CHECK(has(s, "WHERE k.id = ?4 AND k.owner_id = ?5"));
  CHECK(has(s, "RETURNING request_id"));
  CHECK(s.params == Json::array({"req_1", 500, 1000, "key_1", "owner_1"}));
}

TEST_CASE("writes of sealed secrets compare the ciphertext they replace", "[store][secrets]") {
  const Statement cas = store::oauth::write_back("self", "cred_o", "v2:new", "{}", 5, "v2:old");
  CHECK(has(cas, "WHERE id = ? AND owner_id = ? AND encrypted_secret = ? RETURNING id"));
  CHECK(cas.params == Json::array({"v2:new", "{}", 5, "cred_o", "self", "v2:old"}));
  const Statement reseal = store::credentials::reseal("self", "cred_a", "v2:bound", "legacy");
  CHECK(has(reseal, "WHERE id = ? AND owner_id = ? AND encrypted_secret = ? RETURNING id"));
  CHECK(reseal.params == Json::array({"v2:bound", "cred_a", "self", "legacy"}));
}

TEST_CASE("statements on an owner's rows bind the owner", "[store][tenancy]") {
  const std::string owner = "owner_42";
  store::credentials::Changes changes;
  changes.enabled = true;
  store::credentials::NewCredential credential;
  credential.id = "cred_1";
  const std::vector<Statement> scoped = {
      store::credentials::list(owner), store::credentials::get(owner, "c"), store::credentials::load_for_routing(owner),
      store::credentials::usable_multipliers(owner), store::credentials::count_for_provider(owner, "p"),
      store::credentials::insert(owner, credential), store::credentials::update(owner, "c", changes),
      store::credentials::remove(owner, "c"), store::credentials::reseal(owner, "c", "x", "y"),
      store::credentials::mark_dead(owner, "c", "why", 1), store::credentials::set_auto_quota(owner, "c", 1, 1),
      store::credentials::revive(owner, "c", 1), store::credentials::requeue_dead(owner, "c", 1),
      store::credentials::set_dead_reason(owner, "c", "why", 1), store::api_keys::list(owner), store::api_keys::get(owner, "k"),
      store::api_keys::insert(owner, {"k", "h", "hint", 1}, {{"name", "n"}}), store::api_keys::update(owner, "k", {{"name", "n"}}),
      store::api_keys::reset_usage(owner, "k"), store::api_keys::remove(owner, "k"), store::api_keys::spend(owner, "k"),
      store::providers::list(owner), store::providers::definition(owner, "p"), store::providers::insert(owner, "p", "{}", 1),
      store::providers::update(owner, "p", "{}", 1), store::providers::remove_unused(owner, "p"),
      store::settings::model_aliases(owner), store::settings::count_other_aliases(owner, "a"),
      store::settings::put_alias(owner, "a", "m", 1), store::settings::remove_alias(owner, "a"),
      store::health::owner_cooldowns(owner, 1), store::oauth::read_secret(owner, "c"),
      store::oauth::write_back(owner, "c", "x", "{}", 1, "y"), store::ledger::list_logs(owner, {}),
      store::ledger::get_log(owner, "r", std::nullopt), store::ledger::attempts(owner, "r"),
      store::ledger::usage(owner, 0, store::ledger::UsageGroup::day), store::ledger::reserve(owner, "k", "r", 1, 1),
      store::wallet::transactions(owner, "grant", std::nullopt, 10), store::gift_cards::prune_failures(owner, 1),
      store::gift_cards::failures(owner, 1), store::gift_cards::claim(owner, "h", 2, 1, 20), store::gift_cards::credit(owner, "h", 2),
      store::gift_cards::record_failure(owner, "h", 2, 1, 20)};
  std::set<std::string> names;
  for (const auto& s : scoped) {
    INFO(s.name << ": " << s.sql);
    CHECK((has(s, "owner_id = ?") || has(s, "(id, owner_id,") || has(s, "(owner_id,")));
    CHECK(std::find(s.params.begin(), s.params.end(), Json(owner)) != s.params.end());
    CHECK(placeholders(s.sql) >= 1);
    names.insert(s.name);
  }
  CHECK(names.size() == scoped.size());  // no name twice
}

TEST_CASE("every statement has a name of its family", "[store]") {
  const std::vector<Statement> some = {store::catalog::offerings("o", "m"), store::catalog::seed_version(), store::sync_state::all(),
                                       store::health::clear("c", "*"), store::credentials::all_owners_usable()};
  for (const auto& s : some) {
    INFO(s.sql);
    REQUIRE_FALSE(s.name.empty());
    CHECK(s.name.find('.') != std::string::npos);
  }
  CHECK(statements_json(some)[0]["name"] == "catalog.offerings");
}

TEST_CASE("catalogue writes inline their values within D1's statement limits", "[store][catalog]") {
  CHECK(store::catalog::deactivate("", "p", {"a/gone"}, 1000)[0].sql ==
        "UPDATE catalog SET is_active = 0, refreshed_at = 1000 WHERE owner_id = '' AND provider_id = 'p' AND is_active = 1 AND "
        "model_id IN ('a/gone')");
  std::vector<std::string> ids(401, "a/x'y");
  const std::vector<Statement> chunks = store::catalog::deactivate("", "p", ids, 1);
  REQUIRE(chunks.size() == 2);  // 400 ids per statement
  CHECK(chunks[1].sql.find("IN ('a/x''y')") != std::string::npos);  // quoted
  CHECK(store::catalog::prune_custom("user_a", "p", {"m1", "m2"}).sql ==
        "DELETE FROM catalog WHERE owner_id = 'user_a' AND provider_id = 'p' AND model_id NOT IN ('m1','m2')");
  const Statement refs = store::catalog::reference_prices("openrouter", {"a", "b", "c"}, 2);
  CHECK(refs.sql.find("model_id IN ('a','b')") != std::string::npos);
  CHECK(refs.sql.find("owner_id = '' AND provider_id = 'openrouter'") != std::string::npos);
}

TEST_CASE("inlined prices read back as the same double, in the shortest text", "[store][catalog]") {
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    // Any finite double: random bits, so tiny, huge and subnormal values come too.
    uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value)) continue;
    const std::string text = store::number_or_null(value);
    INFO(text);
    REQUIRE(std::strtod(text.c_str(), nullptr) == value);
  }
  CHECK(store::number_or_null(0.3) == "0.3");
  CHECK(store::number_or_null(3.75) == "3.75");
  CHECK(store::number_or_null(1e-7) == "1e-07");
  CHECK(store::number_or_null(std::nullopt) == "NULL");
  CHECK(store::number_or_null(std::numeric_limits<double>::infinity()) == "NULL");
}

TEST_CASE("an owner's catalogue reads see the shared rows and that owner's, writes touch one owner's", "[store][catalog][tenancy]") {
  for (const Statement& s : {store::catalog::offerings("user_a", "m"), store::catalog::active_models("user_a"),
                             store::catalog::browse("user_a", "p", "m"), store::catalog::find_model("user_a", "m"),
                             store::catalog::active_counts("user_a")}) {
    INFO(s.name << ": " << s.sql);
    CHECK(has(s, "owner_id IN ('', ?1)"));
    CHECK(s.params[0] == "user_a");
  }
  const Statement browse = store::catalog::browse("user_a", "p", "m");
  CHECK(has(browse, "provider_id = ?2"));
  CHECK(has(browse, "(model_id = ?3 OR model_suffix = ?3)"));
  CHECK(browse.params.size() == 3);
  for (const Statement& s : {store::catalog::active_count("user_a", "p"), store::catalog::active_ids("user_a", "p"),
                             store::catalog::remove_deleted_custom("user_a", "p")}) {
    INFO(s.name << ": " << s.sql);
    CHECK(has(s, "owner_id = ?"));
    CHECK(s.params[0] == "user_a");
  }
  keyaos::catalog::CatalogEntry row;
  row.provider_id = "p";
  row.model_id = "a/m";
  row.upstream_model_id = "m";
  const Statement upsert = store::catalog::upsert("user_a", {row}, "custom", 5)[0];
  CHECK(has(upsert, "INSERT INTO catalog (owner_id, provider_id,"));
  CHECK(has(upsert, "VALUES ('user_a','p','a/m'"));
  CHECK(has(upsert, "ON CONFLICT (owner_id, provider_id, model_id)"));
}

TEST_CASE("a custom provider's sync state is kept per owner", "[store][sync][tenancy]") {
  CHECK(store::sync_state::scope("", "openrouter") == "openrouter");
  CHECK(store::sync_state::scope("user_a", "mine") == "user_a/mine");
  CHECK(store::sync_state::put_state("user_a", "mine", "{}").params[0] == "sync:user_a/mine");
  CHECK(store::sync_state::put_state("", "openrouter", "{}").params[0] == "sync:openrouter");
  CHECK(store::sync_state::row_digests("user_b", "mine").params[0] == "sync_rows:user_b/mine");
  CHECK(store::sync_state::scope_of("sync:user_a/mine") == "user_a/mine");
  CHECK(store::sync_state::provider_of_scope("user_a/mine") == "mine");
  CHECK(store::sync_state::provider_of_scope("openrouter") == "openrouter");
  const Statement visible = store::sync_state::visible("user_a");
  CHECK(visible.params[0] == "sync:user_a/");
  CHECK(visible.params[1] == 12);
  const Statement gone = store::sync_state::forget_deleted_custom("user_a", "mine");
  CHECK(has(gone, "custom_providers WHERE owner_id = ?3 AND id = ?4"));
}

TEST_CASE("an API key update writes only its settable columns", "[store][api_keys]") {
  const Statement s = store::api_keys::update("o", "k", {{"name", "n"}, {"key_hash", "forged"}, {"quota_nusd", 5}});
  CHECK(s.sql.find("key_hash") == std::string::npos);
  CHECK(has(s, "name = ?"));
  CHECK(has(s, "quota_nusd = ?"));
  CHECK(placeholders(s.sql) == s.params.size());
}
