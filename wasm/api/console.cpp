#include "api/console.h"

#include <cstdlib>

#include "api/credits.h"
#include "api/page.h"
#include "api/sync.h"
#include "billing/cost.h"
#include "platform/gift_code.h"
#include "store/console_store.h"
#include "store/credentials_store.h"
#include "store/gift_cards_store.h"

namespace keyaos::api {
namespace {

constexpr int64_t kMinuteMs = 60LL * 1000, kHourMs = 60 * kMinuteMs;
constexpr size_t kMaxBody = 16 * 1024;
constexpr int64_t kMaxAdjustmentCents = 100'000'000;  // $1,000,000 either way
constexpr int64_t kMaxCardCents = 100'000'000;
constexpr int64_t kMaxCards = 500;
constexpr size_t kMaxReasonChars = 500, kMaxNoteChars = 500, kMaxIdText = 128;

Action database_unavailable(const SqlResult& r) { return error_response(ApiError::internal("The gateway database is unavailable: " + r.error)); }

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// An id a client names (an owner id, an idempotency key, a batch id):
// printable ASCII without spaces, at most kMaxIdText bytes.
bool id_text(const std::string& s) {
  if (s.empty() || s.size() > kMaxIdText) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

// An optional string field of at most `max_chars` characters (trimmed).
std::optional<ApiError> text_field(const Json& body, const char* name, size_t max_chars, bool required, std::string& out) {
  const Json* v = field(body, name);
  if ((!v || v->is_null()) && !required) return std::nullopt;
  if (v && v->is_string()) {
    out = trim(v->get<std::string>());
    bool controls = false;
    for (unsigned char c : out) controls = controls || c < 0x20 || c == 0x7f;
    if ((!out.empty() || !required) && !controls && utf8_chars(out) <= max_chars) return std::nullopt;
  }
  return ApiError::bad_request("'" + std::string(name) + "' must be " + (required ? "a non-empty" : "a") + " string of at most " +
                                   std::to_string(max_chars) + " characters, without control characters.",
                               "invalid_" + std::string(name), name);
}

store::PagePosition position(const PageQuery& page) {
  if (!page.after) return std::nullopt;
  return std::pair{page.after->created_at, page.after->id};
}

class ConsoleTask : public Task {
 public:
  ConsoleTask(Gateway& gw, HttpRequest req, Caller caller) : gw_(gw), req_(std::move(req)), caller_(std::move(caller)) {}

  Action start(const Event&) override {
    const std::string& p = req_.path;
    const bool post = req_.method == "POST";
    if (p == "/api/admin/gift-cards") return post ? create_cards() : req_.method == "GET" ? list_cards() : wrong_method("GET or POST");
    const bool post_route = p == "/api/admin/credits" || p == "/api/admin/sync";
    if (req_.method != (post_route ? "POST" : "GET")) return wrong_method(post_route ? "POST" : "GET");
    if (p == "/api/admin/overview") return overview();
    if (p == "/api/admin/users") return users();
    if (p == "/api/admin/activity") return activity();
    if (p == "/api/admin/credits") return adjust();
    if (p == "/api/admin/adjustments") return adjustments();
    return no_such_route_response(req_);  // /api/admin/sync is handed to the sync task before this
  }

 private:
  Action wrong_method(const char* methods) {
    return error_response(ApiError::method_not_allowed(std::string("Use ") + methods + " " + req_.path + "."));
  }

  std::string user_of(const std::string& owner) const { return platform::user_of(owner, gw_.config().platform); }

  // ---- figures -----------------------------------------------------------------------
  Action overview() {
    namespace c = store::console;
    return run_sql({c::ledger_totals(), c::request_count(), store::credentials::pool_healthy_count(), c::wallet_count(),
                    c::active_owners(req_.now_ms - 24 * kHourMs)},
                   [](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      auto n = [&r](size_t i, const char* key) { return r.at(i).empty() ? int64_t{0} : int_field(r.at(i)[0], key); };
      const int64_t consumption = n(0, "consumption_nusd");
      Json out = Json::object();
      put_money(out, "revenue", n(0, "revenue_nusd"));
      put_money(out, "consumption", consumption);
      // What the pool kept: consumers paid `consumption`, contributors earned the rest.
      put_money(out, "fees", consumption - n(0, "earned_nusd"));
      out["requests"] = n(1, "n");
      out["active_credentials"] = n(2, "n");
      out["users"] = n(3, "n");
      out["active_users_24h"] = n(4, "n");
      return json_response(200, out);
    });
  }

  Action users() {
    PageQuery page;
    if (auto bad = page_query(req_, page)) return error_response(*bad);
    std::optional<std::string> after;
    if (page.after) after = page.after->id;
    const int64_t limit = page.limit;
    return run_sql({store::console::users(after, limit + 1)}, [this, limit](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return json_response(200, page_json(r.at(0), limit, [this](const Json& row) { return user_json(row); }, owner_cursor));
    });
  }

  Json user_json(const Json& row) const {
    Json u = {{"object", "user"}, {"owner_id", user_of(str_field(row, "owner_id"))}};
    put_money(u, "balance", int_field(row, "balance_nusd"));
    u["topped_up_nusd"] = int_field(row, "topped_up_nusd");
    u["spent_nusd"] = int_field(row, "spent_nusd");
    u["earned_nusd"] = int_field(row, "earned_nusd");
    u["credentials"] = int_field(row, "credentials");
    return u;
  }

  // Wallets page by owner id; the cursor carries it as its id.
  static std::string owner_cursor(const Json& row) { return encode_cursor({{"created_at", 0}, {"id", str_field(row, "owner_id")}}); }

  Action activity() {
    int64_t hours = 24;
    const std::string text = query_param(req_.query, "hours");
    if (!text.empty()) {
      bool digits = text.size() <= 3;
      for (char ch : text) digits = digits && ch >= '0' && ch <= '9';
      hours = digits ? std::atoll(text.c_str()) : 0;
      if (hours < 1 || hours > 168) return error_response(ApiError::bad_request("'hours' must be an integer from 1 to 168.", "invalid_hours", "hours"));
    }
    const int64_t minutes = activity_bucket_minutes(hours), bucket = minutes * kMinuteMs;
    const int64_t first = (req_.now_ms - hours * kHourMs) / bucket * bucket, last = req_.now_ms / bucket * bucket;
    return run_sql({store::console::activity(first, bucket)}, [minutes, first, last, bucket](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      // Every bucket of the window, empty ones as zeros.
      Json data = Json::array();
      const Json& rows = r.at(0);
      size_t i = 0;
      for (int64_t t = first; t <= last; t += bucket) {
        while (i < rows.size() && int_field(rows[i], "t") < t) ++i;
        const bool hit = i < rows.size() && int_field(rows[i], "t") == t;
        const int64_t charged = hit ? int_field(rows[i], "charged_nusd") : 0;
        data.push_back({{"time", t},
                        {"requests", hit ? int_field(rows[i], "requests") : 0},
                        {"tokens", hit ? int_field(rows[i], "tokens") : 0},
                        {"charged_usd", billing::nano_to_usd(charged)},
                        {"charged_nusd", charged}});
      }
      return json_response(200, {{"bucket_minutes", minutes}, {"data", data}});
    });
  }

  // ---- grants and revokes ------------------------------------------------------------------
  Json adjustment_json(const Json& row) const {
    const int64_t cents = int_field(row, "amount_cents");
    Json out = {{"id", str_field(row, "id")},
                {"object", "credit_adjustment"},
                {"owner_id", user_of(str_field(row, "owner_id"))},
                {"kind", cents > 0 ? "grant" : "revoke"},
                {"amount_cents", cents}};
    put_money(out, "amount", cents * kNusdPerCent);
    out["reason"] = str_field(row, "reason");
    out["created_by"] = str_field(row, "created_by");
    const Json* key = field(row, "idempotency_key");
    out["idempotency_key"] = key && key->is_string() ? *key : Json(nullptr);
    out["created_at"] = int_field(row, "created_at");
    return out;
  }

  // A revoke may take a balance below zero: it is the operator's correction
  // (e.g. of a mistaken grant already spent), and the negative balance shows
  // in the console and the owner's views; the shared pool admits no request
  // on it until it is positive again.
  Action adjust() {
    Json body;
    if (auto bad = json_object_body(req_, kMaxBody, body)) return error_response(*bad);
    store::console::Adjustment a;
    const Json* owner = field(body, "owner_id");
    if (!owner || !owner->is_string() || !id_text(owner->get<std::string>()))
      return error_response(ApiError::bad_request("'owner_id' must be a user id (printable, no spaces, at most 128 bytes).", "invalid_owner_id", "owner_id"));
    // The operator's own wallet is owner 'self'; their user id names it too.
    a.owner_id = platform::owner_of(owner->get<std::string>(), gw_.config().platform);
    if (auto bad = integer_field(body, "amount_cents", -kMaxAdjustmentCents, kMaxAdjustmentCents, true, a.amount_cents)) return error_response(*bad);
    if (a.amount_cents == 0)
      return error_response(ApiError::bad_request("'amount_cents' must not be 0 (positive grants, negative revokes).", "invalid_amount_cents", "amount_cents"));
    if (auto bad = text_field(body, "reason", kMaxReasonChars, true, a.reason)) return error_response(*bad);
    if (const Json* key = field(body, "idempotency_key"); key && !key->is_null()) {
      if (!key->is_string() || !id_text(key->get<std::string>()))
        return error_response(ApiError::bad_request("'idempotency_key' must be printable text without spaces, at most 128 bytes.",
                                                    "invalid_idempotency_key", "idempotency_key"));
      a.idempotency_key = key->get<std::string>();
    }
    if (req_.nonce.empty()) return error_response(ApiError::internal("The host sent no request nonce."));
    a.id = "adj_" + req_.nonce;
    a.created_by = caller_.user_id;
    a.created_at = req_.now_ms;
    namespace c = store::console;
    return run_sql({c::insert_adjustment(a), c::apply_adjustment(a.id), c::find_adjustment(a.id, a.idempotency_key)},
                   [this, a](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      if (r.at(2).empty()) return error_response(ApiError::internal("The adjustment was not stored."));
      const Json& row = r.at(2)[0];
      const bool first = str_field(row, "id") == a.id;
      if (!first && (str_field(row, "owner_id") != a.owner_id || int_field(row, "amount_cents") != a.amount_cents ||
                     str_field(row, "reason") != a.reason))
        return error_response({409, "This idempotency_key was used for a different adjustment; nothing was changed.",
                               "invalid_request_error", "idempotency_key_reused", "idempotency_key"});
      // A retry answers the first adjustment, which moved the credits once.
      Json out = adjustment_json(row);
      out["replayed"] = !first;
      return json_response(first ? 201 : 200, out);
    });
  }

  Action adjustments() {
    PageQuery page;
    if (auto bad = page_query(req_, page)) return error_response(*bad);
    const int64_t limit = page.limit;
    return run_sql({store::console::list_adjustments(position(page), limit + 1)}, [this, limit](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return json_response(200, page_json(r.at(0), limit, [this](const Json& row) { return adjustment_json(row); }));
    });
  }

  // ---- gift cards -------------------------------------------------------------------------
  Json card_json(const Json& row) const {
    const int64_t cents = int_field(row, "amount_cents");
    Json out = {{"id", str_field(row, "id")}, {"object", "gift_card"}, {"batch_id", str_field(row, "batch_id")},
                {"hint", str_field(row, "hint")}, {"amount_cents", cents}};
    put_money(out, "amount", cents * kNusdPerCent);
    const Json* note = field(row, "note");
    out["note"] = note && note->is_string() ? *note : Json(nullptr);
    const Json* by = field(row, "redeemed_by");
    out["redeemed_by"] = by && by->is_string() ? Json(user_of(by->get<std::string>())) : Json(nullptr);
    const Json* at = field(row, "redeemed_at");
    out["redeemed_at"] = at && at->is_number() ? Json(int_field(row, "redeemed_at")) : Json(nullptr);
    out["created_at"] = int_field(row, "created_at");
    return out;
  }

  Action list_cards() {
    PageQuery page;
    if (auto bad = page_query(req_, page)) return error_response(*bad);
    const std::string batch = query_param(req_.query, "batch_id");
    if (!batch.empty() && !id_text(batch)) return error_response(ApiError::bad_request("'batch_id' is not a batch id.", "invalid_batch_id", "batch_id"));
    const int64_t limit = page.limit;
    return run_sql({store::gift_cards::list(batch, position(page), limit + 1)}, [this, limit](const SqlResult& r) {
      if (!r.ok()) return database_unavailable(r);
      return json_response(200, page_json(r.at(0), limit, [this](const Json& row) { return card_json(row); }));
    });
  }

  Action create_cards() {
    Json body;
    if (auto bad = json_object_body(req_, kMaxBody, body)) return error_response(*bad);
    if (auto bad = integer_field(body, "amount_cents", 1, kMaxCardCents, true, card_cents_)) return error_response(*bad);
    if (auto bad = integer_field(body, "count", 1, kMaxCards, true, card_count_)) return error_response(*bad);
    if (auto bad = text_field(body, "note", kMaxNoteChars, false, note_)) return error_response(*bad);
    // The ids: 8 bytes for the batch and 8 for each card.
    return draw(static_cast<size_t>(card_count_) * 8 + 8, platform::gift_code::random_bytes_for(static_cast<size_t>(card_count_)));
  }

  // Random bytes for the ids (once) and the codes' symbols, until there are enough symbols.
  Action draw(size_t id_bytes, size_t code_bytes) {
    Json items = Json::array({{{"op", "random"}, {"bytes", code_bytes}}});
    if (id_bytes) items.push_back({{"op", "random"}, {"bytes", id_bytes}});
    Action a = crypto_action(items);
    return then(std::move(a), [this, id_bytes](const Event& ev) {
      const Json* values = field(ev.head, "values");
      if (!values || !values->is_array() || values->size() < (id_bytes ? 2u : 1u)) return error_response(ApiError::internal("No random bytes."));
      platform::gift_code::symbols_from_hex(str_field((*values)[0], "hex"), symbols_);
      if (id_bytes) id_hex_ = str_field((*values)[1], "hex");
      if (id_hex_.size() < id_bytes * 2) return error_response(ApiError::internal("Too few random bytes."));
      const size_t needed = static_cast<size_t>(card_count_) * platform::gift_code::kSymbols;
      if (symbols_.size() < needed) return draw(0, platform::gift_code::random_bytes_for(1) * 4);
      codes_ = platform::gift_code::codes_from_symbols(std::string_view(symbols_).substr(0, needed));
      return hash_codes();
    });
  }

  Action hash_codes() {
    Json items = Json::array();
    for (const auto& code : codes_) items.push_back({{"op", "sha256"}, {"text", code}});
    Action a = crypto_action(items);
    return then(std::move(a), [this](const Event& ev) {
      const Json* values = field(ev.head, "values");
      if (!values || !values->is_array() || values->size() != codes_.size()) return error_response(ApiError::internal("Hashing the codes failed."));
      const std::string batch_id = "gcb_" + id_hex_.substr(0, 16);
      std::vector<store::gift_cards::NewCard> cards;
      for (size_t i = 0; i < codes_.size(); ++i) {
        const std::string hash = str_field((*values)[i], "sha256");
        if (hash.empty()) return error_response(ApiError::internal("Hashing the codes failed."));
        cards.push_back({"gc_" + id_hex_.substr(16 + i * 16, 16), hash, platform::gift_code::hint(codes_[i])});
      }
      return run_sql(store::gift_cards::insert(cards, batch_id, card_cents_, note_, caller_.user_id, req_.now_ms),
                     [this, batch_id](const SqlResult& r) {
        if (!r.ok()) return database_unavailable(r);
        Json out = {{"batch_id", batch_id}, {"object", "gift_card_batch"}, {"amount_cents", card_cents_}};
        put_money(out, "amount", card_cents_ * kNusdPerCent);
        out["count"] = card_count_;
        out["note"] = note_.empty() ? Json(nullptr) : Json(note_);
        out["created_at"] = req_.now_ms;
        // The only time the codes are shown: only their SHA-256 is stored.
        out["codes"] = codes_;
        return json_response(201, out);
      });
    });
  }

  Gateway& gw_;
  HttpRequest req_;
  Caller caller_;
  int64_t card_cents_ = 0, card_count_ = 0;
  std::string note_, symbols_, id_hex_;
  std::vector<std::string> codes_;
};

// The console's refusals before any route: no such route without an operator, 403 for others.
struct Refusal : Task {
  Action answer;
  explicit Refusal(Action a) : answer(std::move(a)) {}
  Action start(const Event&) override { return std::move(answer); }
};

}  // namespace

int64_t activity_bucket_minutes(int64_t hours) { return hours <= 24 ? 5 : hours <= 72 ? 30 : 120; }

std::unique_ptr<Task> make_console_task(Gateway& gw, HttpRequest req, Caller caller) {
  const platform::Config& p = gw.config().platform;
  if (!p.enabled || p.operator_id.empty()) return std::make_unique<Refusal>(no_such_route_response(req));
  if (!caller.admin)
    return std::make_unique<Refusal>(error_response(ApiError::forbidden("The operator console is for the operator (PLATFORM_OWNER_ID) only.", "forbidden")));
  if (req.path == "/api/admin/sync" && req.method == "POST") return make_sync_request_task(gw, std::move(req), std::move(caller));
  return std::make_unique<ConsoleTask>(gw, std::move(req), std::move(caller));
}

}  // namespace keyaos::api
