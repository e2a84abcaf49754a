#include "api/account.h"

#include "billing/cost.h"
#include "store/credentials_store.h"
#include "store/ledger_store.h"
#include "store/wallet_store.h"

namespace keyaos::api {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

Action database_unavailable(const SqlResult& r) { return error_response(ApiError::internal("The gateway database is unavailable: " + r.error)); }

struct MeTask : Task {
  Caller caller;
  explicit MeTask(Caller c) : caller(std::move(c)) {}
  Action start(const Event&) override { return json_response(200, {{"owner_id", caller.user_id}, {"is_admin", caller.admin}}); }
};

struct CreditsTask : Task {
  Gateway& gw;
  Caller caller;
  CreditsTask(Gateway& g, Caller c) : gw(g), caller(std::move(c)) {}
  static Action balance(int64_t nusd) {
    return json_response(200, {{"data", {{"balance", billing::nano_to_usd(nusd)}, {"balance_nusd", nusd}}}});
  }
  Action start(const Event&) override {
    if (!gw.config().platform.enabled) return balance(0);
    return run_sql({store::wallet::balance(caller.owner_id)}, [](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return balance(r.at(0).empty() ? 0 : int_field(r.at(0)[0], "balance_nusd"));
    });
  }
};

struct PoolStatsTask : Task {
  Gateway& gw;
  HttpRequest req;
  Caller caller;
  PoolStatsTask(Gateway& g, HttpRequest r, Caller c) : gw(g), req(std::move(r)), caller(std::move(c)) {}
  Action start(const Event&) override {
    const int64_t since = req.now_ms - kDayMs;
    return run_sql({store::credentials::pool_healthy_count(), store::wallet::earnings_since(caller.owner_id, since),
                    store::ledger::usage(caller.owner_id, since, store::ledger::UsageGroup::total)},
                   [](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      const int64_t earned = r.at(1).empty() ? 0 : int_field(r.at(1)[0], "earned_nusd");
      return json_response(200, {{"healthy_credentials", r.at(0).empty() ? 0 : int_field(r.at(0)[0], "n")},
                                 {"earnings_24h_usd", billing::nano_to_usd(earned)},
                                 {"earnings_24h_nusd", earned},
                                 {"calls_24h", r.at(2).empty() ? 0 : int_field(r.at(2)[0], "requests")}});
    });
  }
};

}  // namespace

Action gateway_config_response(const Gateway& gw) {
  const platform::Config& p = gw.config().platform;
  if (!p.enabled) return json_response(200, {{"mode", "core"}});
  return json_response(200, {{"mode", "platform"},
                             {"clerk_publishable_key", p.publishable_key},
                             {"payments", gw.config().stripe.payments_ready()}});
}

std::unique_ptr<Task> make_me_task(Gateway&, HttpRequest, Caller caller) { return std::make_unique<MeTask>(std::move(caller)); }

std::unique_ptr<Task> make_credits_task(Gateway& gw, HttpRequest, Caller caller) {
  return std::make_unique<CreditsTask>(gw, std::move(caller));
}

std::unique_ptr<Task> make_pool_stats_task(Gateway& gw, HttpRequest req, Caller caller) {
  return std::make_unique<PoolStatsTask>(gw, std::move(req), std::move(caller));
}

}  // namespace keyaos::api
