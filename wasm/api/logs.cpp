#include "api/logs.h"

#include <cstdlib>

#include "billing/cost.h"
#include "api/page.h"
#include "billing/ledger.h"
#include "store/ledger_store.h"

namespace keyaos::api {
namespace {

Json text_or_null(const Json& row, const char* key) {
  const Json* v = field(row, key);
  return v && v->is_string() ? *v : Json(nullptr);
}
Json int_or_null(const Json& row, const char* key) {
  const Json* v = field(row, key);
  return v && v->is_number() ? Json(int_field(row, key)) : Json(nullptr);
}

class LogsTask : public Task {
 public:
  LogsTask(Gateway& gw, HttpRequest req, Caller caller)
      : platform_(gw.config().platform.enabled), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    const std::string base = "/api/logs";
    if (req_.path.size() > base.size()) return one(req_.path.substr(base.size() + 1));
    return list();
  }

 private:
  Action list() {
    int64_t limit = std::atoll(query_param(req_.query, "limit").c_str());
    if (limit <= 0 || limit > 200) limit = 50;
    store::ledger::LogQuery q;
    q.limit = limit + 1;  // one more: is there a next page?
    const std::string cursor_text = query_param(req_.query, "cursor");
    const std::string before = query_param(req_.query, "before");
    if (!cursor_text.empty()) {
      PageCursor c;
      if (!decode_cursor(cursor_text, c))
        return error_response(ApiError::bad_request("'cursor' is not a cursor from this API; pass a page's next_cursor unchanged.", "invalid_cursor", "cursor"));
      q.after = std::pair{c.created_at, c.id};
    } else if (!before.empty()) {  // older clients: a created_at only
      q.before_ms = std::atoll(before.c_str());
    }
    q.model_id = query_param(req_.query, "model");
    q.provider_id = query_param(req_.query, "provider");
    q.status = query_param(req_.query, "status");
    q.api_key_id = query_param(req_.query, "api_key");
    const std::string since = query_param(req_.query, "since");
    if (!since.empty()) q.since_ms = std::atoll(since.c_str());
    q.with_earned = platform_;
    return run_sql({store::ledger::list_logs(caller_.owner_id, q)}, [this, limit](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read logs: " + r.error));
      return json_response(200, page_json(r.at(0), limit, [this](const Json& row) { return log_json(row, viewer()); }));
    });
  }

  Action one(const std::string& id) {
    // An id that carries its start is found through the table's key.
    int64_t started = 0;
    std::optional<int64_t> start;
    if (billing::request_id_start(id, started)) start = started;
    // The attempts written one row each; a lone plain success is on the log row.
    return run_sql({store::ledger::get_log(caller_.owner_id, id, start), store::ledger::attempts(caller_.owner_id, id, platform_)},
                   [this, id](const SqlResult& r) {
      if (!r.ok()) return error_response(ApiError::internal("Could not read the log: " + r.error));
      if (r.at(0).empty()) return error_response(ApiError::not_found("No request with id '" + id + "'.", "log_not_found"));
      const Json& log = r.at(0)[0];
      Json out = log_json(log, viewer());
      Json list = Json::array();
      if (const Json* offset = field(log, "attempt_offset_ms"); offset && offset->is_number()) {
        const int64_t d = int_field(log, "attempt_offset_ms");
        const Json* first = field(log, "first_byte_ms");
        list.push_back({{"attempt", 1},
                        {"provider_id", str_field(log, "provider_id")},
                        {"credential_id", out["credential_id"]},
                        {"model_id", str_field(log, "model_id")},
                        {"status", "ok"},
                        {"http_status", int_or_null(log, "http_status")},
                        {"error_class", nullptr},
                        {"error_message", nullptr},
                        {"latency_ms", int_field(log, "latency_ms") - d},
                        {"first_byte_ms", first && first->is_number() ? Json(int_field(log, "first_byte_ms") - d) : Json(nullptr)},
                        {"created_at", int_field(log, "created_at") + d}});
      }
      for (const auto& a : r.at(1))
        list.push_back({{"attempt", int_field(a, "attempt")},
                        {"provider_id", str_field(a, "provider_id")},
                        {"credential_id", platform_ ? text_or_null(a, "credential_id") : Json(str_field(a, "credential_id"))},
                        {"model_id", str_field(a, "model_id")},
                        {"status", str_field(a, "status")},
                        {"http_status", int_or_null(a, "http_status")},
                        {"error_class", text_or_null(a, "error_class")},
                        {"error_message", text_or_null(a, "error_message")},
                        {"latency_ms", int_or_null(a, "latency_ms")},
                        {"first_byte_ms", int_or_null(a, "first_byte_ms")},
                        {"created_at", int_field(a, "created_at")}});
      out["attempt_list"] = list;
      return json_response(200, out);
    });
  }

  std::string viewer() const { return platform_ ? caller_.owner_id : std::string(); }

  bool platform_;
  HttpRequest req_;
  Caller caller_;
};

}  // namespace

Json log_json(const Json& row, const std::string& viewer) {
  const int64_t effective = int_field(row, "effective_cost_nusd"), list = int_field(row, "list_cost_nusd");
  Json out = {{"id", str_field(row, "id")},
          {"created_at", int_field(row, "created_at")},
          {"model_id", str_field(row, "model_id")},
          {"served_model", text_or_null(row, "served_model")},
          {"provider_id", text_or_null(row, "provider_id")},
          {"credential_id", text_or_null(row, "credential_id")},
          {"api_key_id", text_or_null(row, "api_key_id")},
          {"status", str_field(row, "status")},
          {"http_status", int_field(row, "http_status")},
          {"error_class", text_or_null(row, "error_class")},
          {"error_message", text_or_null(row, "error_message")},
          {"stream", int_field(row, "stream") != 0},
          {"api", str_field(row, "api").empty() ? std::string("chat") : str_field(row, "api")},
          {"input_tokens", int_field(row, "input_tokens")},
          {"output_tokens", int_field(row, "output_tokens")},
          {"cached_tokens", int_field(row, "cached_tokens")},
          {"cache_write_tokens", int_field(row, "cache_write_tokens")},
          {"reasoning_tokens", int_field(row, "reasoning_tokens")},
          {"base_cost_usd", billing::nano_to_usd(int_field(row, "base_cost_nusd"))},
          {"price_multiplier", num_field(row, "price_multiplier", 1.0)},
          {"effective_cost_usd", billing::nano_to_usd(effective)},
          {"list_cost_usd", billing::nano_to_usd(list)},
          {"savings_usd", billing::nano_to_usd(list - effective)},
          {"cost_source", text_or_null(row, "cost_source")},
          {"usage_estimated", int_field(row, "usage_estimated") != 0},
          {"client_aborted", int_field(row, "client_aborted") != 0},
          {"latency_ms", int_or_null(row, "latency_ms")},
          {"first_byte_ms", int_or_null(row, "first_byte_ms")},
          {"attempts", int_field(row, "attempts")}};
  if (viewer.empty()) return out;
  const std::string contributor = str_field(row, "credential_owner_id");
  const bool mine = str_field(row, "owner_id") == viewer;
  if (mine && contributor.empty()) {
    out["direction"] = "self";
    out["net_usd"] = 0.0;
  } else if (mine) {
    out["direction"] = "spent";
    out["net_usd"] = -billing::nano_to_usd(int_field(row, "consumer_charged_nusd"));
    out["credential_id"] = nullptr;
  } else {
    out["direction"] = "earned";
    out["net_usd"] = billing::nano_to_usd(int_field(row, "provider_earned_nusd"));
    out["api_key_id"] = nullptr;
  }
  return out;
}

std::unique_ptr<Task> make_logs_task(Gateway& gw, HttpRequest request, Caller caller) {
  return std::make_unique<LogsTask>(gw, std::move(request), std::move(caller));
}

}  // namespace keyaos::api
