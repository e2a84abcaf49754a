#include "api/adapters/oauth_adapter.h"

#include <algorithm>

#include "core/secrets.h"
#include "core/task.h"
#include "store/oauth_store.h"

namespace keyaos::api {
namespace {

constexpr int64_t kWaitStepMs = 50;               // how often a waiting request looks again
constexpr int64_t kFailureMemoryMs = 5000;        // waiters of a failed refresh share its error
constexpr size_t kMaxSetupBodyBytes = 256 * 1024; // token and discovery answers are small
constexpr int kWriteRetries = 3;                  // D1 write-back attempts per request
constexpr int kMaxReloads = 2;                    // newer states adopted per request
constexpr int kRefusalPolls = 4;                  // re-reads of an unchanged row after a refusal
constexpr int64_t kRefusalPollMs = 250;           // a concurrent rotation's write-back is this close

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

PrepareStep OAuthAdapter::revalidate(int64_t now_ms) {
  check_only_ = true;
  force_refresh_ = true;
  return with_entry(now_ms);
}

PrepareStep OAuthAdapter::ready(const OAuthEntry& entry, int64_t now_ms) {
  return check_only_ ? PrepareStep::ready() : on_ready(entry, now_ms);
}

PrepareStep OAuthAdapter::with_entry(int64_t now_ms) {
  if (ctx_.gw->oauth().find(ctx_.credential.id, ctx_.credential.ciphertext)) return check(now_ms);
  Action a = crypto_action(Json::array({{{"op", "open"}, {"ciphertext", ctx_.credential.ciphertext}, {"aad", aad()}}}));
  return act(std::move(a), [this](const Event& ev) {
    const int64_t now = ev.now_ms();
    // Another request may have opened (and refreshed) it meanwhile: keep that.
    if (ctx_.gw->oauth().find(ctx_.credential.id, ctx_.credential.ciphertext)) return check(now);
    const Json* values = field(ev.head, "values");
    const Json* first = values && values->is_array() && !values->empty() ? &(*values)[0] : nullptr;
    if (!first || !field(*first, "plaintext"))
      return PrepareStep::fail(setup_error("The credential could not be decrypted (was ENCRYPTION_KEY changed, or the stored value altered?).", "credential_unreadable"));
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
  if (force_refresh_) {
    force_refresh_ = false;
    forget_access_token(*e);
  }
  if (usable(*e, now_ms)) {
    // An earlier write-back failed: the rotated state must reach D1 first.
    if (!e->unsaved_ciphertext.empty() && !e->write_in_flight) return write_back(0, now_ms);
    return ready(*e, now_ms);
  }
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
  Action a = sleep_action(ms);
  return act(std::move(a), [k = std::move(k)](const Event& ev) { return k(ev.now_ms()); });
}

PrepareStep OAuthAdapter::http(const UpstreamRequest& request, HttpReply k) {
  Action a = fetch_action(request, ctx_.gw->config().timeouts.headers_ms);
  return act(std::move(a), [this, k = std::move(k)](const Event& head) {
    if (head.type != EventType::upstream_head) return fail_setup(transport_error(head, ctx_.def->id), head.now_ms());
    const int status = static_cast<int>(int_field(head.head, "status"));
    Action read = read_body_action(kMaxSetupBodyBytes, ctx_.gw->config().timeouts.idle_ms, false);
    return act(std::move(read), [this, status, k](const Event& body) {
      if (body.type != EventType::upstream_body) return fail_setup(transport_error(body, ctx_.def->id), body.now_ms());
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
  e->setup_failed_ms = -1;
  if (!changed) {
    if (claimed_) ctx_.gw->oauth().end_setup(ctx_.credential.id, owner_);
    claimed_ = false;
    return after_setup(now_ms);
  }
  // Seal the new state and write it back, so a rotated refresh token and a
  // still-valid access token survive this isolate.
  Action seal = crypto_action(Json::array({{{"op", "seal"}, {"text", serialize(*e)}, {"aad", aad()}}}));
  Json state = public_state(*e);
  return act(std::move(seal), [this, state](const Event& ev) {
    // Waiters may use the new state from here on; the write follows.
    if (claimed_) ctx_.gw->oauth().end_setup(ctx_.credential.id, owner_);
    claimed_ = false;
    const Json* values = field(ev.head, "values");
    std::string sealed = values && values->is_array() && !values->empty() ? str_field((*values)[0], "ciphertext") : "";
    OAuthEntry* e = entry();
    if (sealed.empty() || !e) return after_setup(ev.now_ms());  // works for now; the next refresh tries again
    e->unsaved_ciphertext = sealed;
    e->unsaved_state = dump_json(state);
    ctx_.gw->oauth().add_sealed(ctx_.credential.id, sealed);
    use_ciphertext(sealed);
    return write_back(0, ev.now_ms());
  });
}

std::string OAuthAdapter::aad() const { return credential_aad(ctx_.credential.owner_id, ctx_.credential.id); }

void OAuthAdapter::use_ciphertext(const std::string& ciphertext) {
  for (auto* list : {&ctx_.gw->owner(ctx_.credential.owner_id).credentials, &ctx_.gw->pool().credentials})
    for (auto& c : *list)
      if (c.id == ctx_.credential.id) c.ciphertext = ciphertext;
  ctx_.credential.ciphertext = ciphertext;
}

Statement OAuthAdapter::read_row() const { return store::oauth::read_secret(ctx_.credential.owner_id, ctx_.credential.id); }

PrepareStep OAuthAdapter::write_back(int attempt, int64_t now_ms) {
  OAuthEntry* e = entry();
  if (!e || e->unsaved_ciphertext.empty()) return after_setup(now_ms);
  const std::string written = e->unsaved_ciphertext;
  Statement cas = store::oauth::write_back(ctx_.credential.owner_id, ctx_.credential.id, written, e->unsaved_state, now_ms,
                                           e->stored_ciphertext);
  e->write_in_flight = true;
  Action a = sql_action({cas, read_row()});
  return act(std::move(a), [this, attempt, written](const Event& done) {
    const int64_t now = done.now_ms();
    OAuthEntry* e = entry();
    if (!e) return after_setup(now);
    e->write_in_flight = false;
    SqlResult r = sql_result_from(done);
    if (!r.ok()) {
      // Kept in memory (and in use); written again now, or before the next use.
      if (attempt + 1 < kWriteRetries) return sleep_then(100LL << attempt, [this, attempt](int64_t t) { return write_back(attempt + 1, t); });
      return after_setup(now);
    }
    if (!r.at(0).empty()) {
      e->stored_ciphertext = written;
      if (e->unsaved_ciphertext == written) {
        e->unsaved_ciphertext.clear();
        e->unsaved_state.clear();
      }
      return after_setup(now);
    }
    // Another isolate wrote first: its state is the newer one in D1.
    e->unsaved_ciphertext.clear();
    e->unsaved_state.clear();
    if (r.at(1).empty()) {
      ctx_.gw->forget_credential(ctx_.credential.id);
      return PrepareStep::fail(setup_error("The credential was removed during its refresh.", "credential_removed"));
    }
    const std::string newer = str_field(r.at(1)[0], "encrypted_secret");
    if (newer == written) {  // applied after all (a retried write)
      e->stored_ciphertext = written;
      return after_setup(now);
    }
    if (reloads_ >= kMaxReloads) return after_setup(now);
    ++reloads_;
    return adopt(newer, [this](int64_t t) { return check(t); });
  });
}

PrepareStep OAuthAdapter::adopt(const std::string& ciphertext, Then k) {
  Action a = crypto_action(Json::array({{{"op", "open"}, {"ciphertext", ciphertext}, {"aad", aad()}}}));
  return act(std::move(a), [this, ciphertext, k = std::move(k)](const Event& ev) {
    const int64_t now = ev.now_ms();
    const Json* values = field(ev.head, "values");
    const Json* first = values && values->is_array() && !values->empty() ? &(*values)[0] : nullptr;
    if (!first || !field(*first, "plaintext"))
      return fail_setup(setup_error("The credential could not be decrypted (was ENCRYPTION_KEY changed, or the stored value altered?).", "credential_unreadable"), now);
    std::string plaintext = str_field(*first, "plaintext");
    OAuthEntry& e = ctx_.gw->oauth().store_opened(ctx_.credential.id, ciphertext);
    std::string error;
    const bool ok = load(e, plaintext, error);
    plaintext.assign(plaintext.size(), '\0');
    if (!ok) {
      if (!claimed_) ctx_.gw->oauth().forget(ctx_.credential.id);
      return fail_setup({ErrorClass::auth, 401, "The stored credential is not usable: " + error, "upstream_error", "invalid_credential", -1}, now);
    }
    use_ciphertext(ciphertext);
    return k(now);
  });
}

PrepareStep OAuthAdapter::refresh_refused(UpstreamError error, int64_t now_ms) {
  if (reloads_ >= kMaxReloads) return fail_setup(std::move(error), now_ms);
  Action a = sql_action({read_row()});
  return act(std::move(a), [this, error](const Event& ev) mutable {
    const int64_t now = ev.now_ms();
    SqlResult r = sql_result_from(ev);
    if (!r.ok()) {
      // Whether another isolate rotated the token cannot be told: fail over
      // without declaring the credential dead.
      return fail_setup(setup_error("Upstream " + ctx_.def->id + ": the token refresh was refused and the credential could not be re-read.",
                                    "credential_refresh_unverified"),
                        now);
    }
    if (r.at(0).empty()) return fail_setup(std::move(error), now);  // deleted meanwhile
    const std::string current = str_field(r.at(0)[0], "encrypted_secret");
    OAuthEntry* e = entry();
    const bool known = e && (current == e->stored_ciphertext ||
                             std::find(e->ciphertexts.begin(), e->ciphertexts.end(), current) != e->ciphertexts.end());
    if (known) {
      if (++reload_polls_ >= kRefusalPolls) return fail_setup(std::move(error), now);
      return sleep_then(kRefusalPollMs, [this, error](int64_t t) mutable { return refresh_refused(std::move(error), t); });
    }
    ++reloads_;
    return adopt(current, [this](int64_t t) {
      OAuthEntry* fresh = entry();
      if (!fresh) return fail_setup(setup_error("The credential state was lost during its refresh.", "internal_error"), t);
      if (usable(*fresh, t)) return finish_setup(false, t);
      return setup(*fresh, t);  // refresh again, with the newer token
    });
  });
}

PrepareStep OAuthAdapter::after_setup(int64_t now_ms) {
  OAuthEntry* e = entry();
  if (e && usable(*e, now_ms)) return ready(*e, now_ms);
  return PrepareStep::fail(setup_error("Upstream " + ctx_.def->id + ": the credential is still not usable after its refresh.", "credential_setup_failed"));
}

bool OAuthAdapter::drop_access_token() {
  OAuthEntry* e = entry();
  if (!e) return false;
  forget_access_token(*e);
  return true;
}

}  // namespace keyaos::api
