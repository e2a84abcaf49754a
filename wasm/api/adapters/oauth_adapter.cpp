#include "api/adapters/oauth_adapter.h"

#include <algorithm>

namespace keyaos::api {
namespace {

constexpr int64_t kWaitStepMs = 50;               // how often a waiting request looks again
constexpr int64_t kFailureMemoryMs = 5000;        // waiters of a failed refresh share its error
constexpr size_t kMaxSetupBodyBytes = 256 * 1024; // token and discovery answers are small

UpstreamError setup_error(std::string message, std::string code) {
  return {ErrorClass::server, 502, std::move(message), "upstream_error", std::move(code), -1};
}

}  // namespace

OAuthAdapter::OAuthAdapter(AttemptContext context) : ctx_(std::move(context)) { owner_ = ctx_.gw->oauth().next_owner(); }

OAuthAdapter::~OAuthAdapter() {
  // A request that ends mid-refresh (client gone) frees the claim at once.
  if (claimed_) ctx_.gw->oauth().end_setup(ctx_.credential.id, owner_);
}

std::string OAuthAdapter::api_override() const {
  const auto& urls = ctx_.gw->config().upstream_base_urls;
  auto it = urls.find(ctx_.def->id);
  return it == urls.end() ? std::string() : it->second;
}

std::string OAuthAdapter::oauth_override() const {
  const auto& urls = ctx_.gw->config().upstream_base_urls;
  auto it = urls.find(ctx_.def->id + ":oauth");
  return it == urls.end() ? std::string() : it->second;
}

int64_t OAuthAdapter::setup_timeout_ms() const {
  // A refresh plus project discovery: a few exchanges, each bounded by the headers timeout.
  return std::max<int64_t>(ctx_.gw->config().timeouts.headers_ms, 1000) * 2;
}

std::string OAuthAdapter::uuid(uint32_t salt) const {
  // 32 hex digits of request randomness, varied by attempt and salt, shaped as a v4 UUID.
  std::string hex = ctx_.nonce;
  while (hex.size() < 32) hex += "0";
  uint32_t mix = salt * 2654435761u + static_cast<uint32_t>(ctx_.attempt_number) * 40503u;
  static const char* digits = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    auto v = [&](char c) { return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0'; };
    hex[i] = digits[(v(hex[i]) ^ (mix >> (4 * i))) & 0xF];
  }
  hex[12] = '4';
  hex[16] = digits[8 + (hex[16] % 4)];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

PrepareStep OAuthAdapter::prepare(int64_t now_ms) { return with_entry(now_ms); }

PrepareStep OAuthAdapter::with_entry(int64_t now_ms) {
  if (ctx_.gw->oauth().find(ctx_.credential.id, ctx_.credential.ciphertext)) return check(now_ms);
  Action a;
  a.head = {{"type", "crypto"}, {"items", Json::array({{{"op", "open"}, {"ciphertext", ctx_.credential.ciphertext}}})}};
  return act(std::move(a), [this](const Event& ev) {
    const int64_t now = ev.now_ms();
    // Another request may have opened (and refreshed) it meanwhile: keep that.
    if (ctx_.gw->oauth().find(ctx_.credential.id, ctx_.credential.ciphertext)) return check(now);
    const Json* values = field(ev.head, "values");
    const Json* first = values && values->is_array() && !values->empty() ? &(*values)[0] : nullptr;
    if (!first || !field(*first, "plaintext"))
      return PrepareStep::fail(setup_error("The credential could not be decrypted (was ENCRYPTION_KEY changed?).", "credential_unreadable"));
    std::string plaintext = str_field(*first, "plaintext");
    OAuthEntry& e = ctx_.gw->oauth().store_opened(ctx_.credential.id, ctx_.credential.ciphertext);
    std::string error;
    const bool ok = load(e, plaintext, error);
    plaintext.assign(plaintext.size(), '\0');
    if (!ok) {
      ctx_.gw->oauth().forget(ctx_.credential.id);
      return PrepareStep::fail({ErrorClass::auth, 401, "The stored credential is not usable: " + error, "upstream_error", "invalid_credential", -1});
    }
    return check(now);
  });
}

PrepareStep OAuthAdapter::check(int64_t now_ms) {
  OAuthEntry* e = entry();
  if (!e) return with_entry(now_ms);
  if (usable(*e, now_ms)) return on_ready(*e, now_ms);
  OAuthCache& cache = ctx_.gw->oauth();
  if (wait_started_ms_ >= 0 && e->setup_failed_ms >= wait_started_ms_ && now_ms - e->setup_failed_ms < kFailureMemoryMs)
    return PrepareStep::fail(e->setup_error);
  if (cache.try_begin_setup(ctx_.credential.id, owner_, now_ms, setup_timeout_ms())) {
    claimed_ = true;
    return setup(*e, now_ms);
  }
  return wait(now_ms);
}

PrepareStep OAuthAdapter::wait(int64_t now_ms) {
  if (wait_started_ms_ < 0) wait_started_ms_ = now_ms;
  if (now_ms - wait_started_ms_ >= setup_timeout_ms())
    return PrepareStep::fail({ErrorClass::timeout, 504, "Upstream " + ctx_.def->id + ": the token refresh of another request did not finish in time.",
                              "upstream_error", "upstream_timeout", -1});
  return sleep_then(kWaitStepMs, [this](int64_t now) { return check(now); });
}

PrepareStep OAuthAdapter::sleep_then(int64_t ms, std::function<PrepareStep(int64_t)> k) {
  Action a;
  a.head = {{"type", "sleep"}, {"ms", ms}};
  return act(std::move(a), [k = std::move(k)](const Event& ev) { return k(ev.now_ms()); });
}

PrepareStep OAuthAdapter::http(const UpstreamRequest& request, HttpReply k) {
  Action a = fetch_action(request, ctx_.gw->config().timeouts.headers_ms);
  return act(std::move(a), [this, k = std::move(k)](const Event& head) {
    if (head.type != "upstream_head") return fail_setup(transport_error(head, ctx_.def->id), head.now_ms());
    const int status = static_cast<int>(int_field(head.head, "status"));
    Action read;
    read.head = {{"type", "read_body"}, {"max_bytes", kMaxSetupBodyBytes}, {"timeout_ms", ctx_.gw->config().timeouts.idle_ms}};
    return act(std::move(read), [this, status, k](const Event& body) {
      if (body.type != "upstream_body") return fail_setup(transport_error(body, ctx_.def->id), body.now_ms());
      return k(status, body.payload, body.now_ms());
    });
  });
}

PrepareStep OAuthAdapter::fail_setup(UpstreamError error, int64_t now_ms) {
  if (OAuthEntry* e = entry()) {
    e->setup_failed_ms = now_ms;
    e->setup_error = error;
  }
  if (claimed_) ctx_.gw->oauth().end_setup(ctx_.credential.id, owner_);
  claimed_ = false;
  return PrepareStep::fail(std::move(error));
}

PrepareStep OAuthAdapter::finish_setup(bool changed, int64_t now_ms) {
  OAuthEntry* e = entry();
  if (!e) return fail_setup(setup_error("The credential state was lost during its refresh.", "internal_error"), now_ms);
  if (claimed_) ctx_.gw->oauth().end_setup(ctx_.credential.id, owner_);
  claimed_ = false;
  e->setup_failed_ms = -1;
  if (!changed) return after_setup(now_ms);
  // Seal the new state and write it back, so a rotated refresh token and a
  // still-valid access token survive this isolate.
  Action seal;
  seal.head = {{"type", "crypto"}, {"items", Json::array({{{"op", "seal"}, {"text", serialize(*e)}}})}};
  Json state = public_state(*e);
  return act(std::move(seal), [this, state](const Event& ev) {
    const Json* values = field(ev.head, "values");
    std::string sealed = values && values->is_array() && !values->empty() ? str_field((*values)[0], "ciphertext") : "";
    if (sealed.empty()) return after_setup(ev.now_ms());  // works for now; the next refresh tries again
    ctx_.gw->oauth().add_sealed(ctx_.credential.id, sealed);
    for (auto& c : ctx_.gw->owner(ctx_.credential.owner_id).credentials)
      if (c.id == ctx_.credential.id) c.ciphertext = sealed;
    ctx_.credential.ciphertext = sealed;
    Statement s;
    s.sql = "UPDATE credentials SET encrypted_secret = ?, state = ?, updated_at = ? WHERE id = ?";
    s.params = Json::array({sealed, dump_json(state), ev.now_ms(), ctx_.credential.id});
    Action a;
    a.head = {{"type", "sql"}, {"statements", statements_json({s})}};
    return act(std::move(a), [this](const Event& done) { return after_setup(done.now_ms()); });
  });
}

PrepareStep OAuthAdapter::after_setup(int64_t now_ms) {
  OAuthEntry* e = entry();
  if (e && usable(*e, now_ms)) return on_ready(*e, now_ms);
  return PrepareStep::fail(setup_error("Upstream " + ctx_.def->id + ": the credential is still not usable after its refresh.", "credential_setup_failed"));
}

bool OAuthAdapter::drop_access_token() {
  OAuthEntry* e = entry();
  if (!e) return false;
  forget_access_token(*e);
  return true;
}

}  // namespace keyaos::api
