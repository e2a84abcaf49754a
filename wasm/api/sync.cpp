#include "api/sync.h"

#include <deque>
#include <map>
#include <optional>
#include <set>

#include "api/credential_validation.h"
#include "api/routing_table.h"
#include "api/upstream_adapter.h"
#include "billing/cost.h"
#include "catalog/credits.h"
#include "catalog/custom_provider.h"
#include "catalog/sync_apply.h"
#include "catalog/sync_plan.h"
#include "core/secrets.h"
#include "core/text.h"
#include "protocols/openai/errors.h"
#include "store/catalog_store.h"
#include "store/credentials_store.h"
#include "store/health_store.h"
#include "store/providers_store.h"
#include "store/sync_state_store.h"

namespace keyaos::api {
namespace {

constexpr int64_t kMinSyncIntervalMs = 50LL * 60 * 1000;  // the cron fires hourly
constexpr int64_t kUnknownListModels = 400;                // size guess for a list never synced
constexpr int64_t kMaxListBytes = 16LL * 1024 * 1024;
constexpr int64_t kMaxErrorBytes = 4096;
constexpr int64_t kMaxCreditsBytes = 64 * 1024;
constexpr size_t kMaxReferenceLookups = 1000;
constexpr int64_t kMaxDeadChecks = 5;  // dead credentials re-validated per run (API keys and OAuth), least recently checked first

std::vector<std::string> string_list(const Json& text) {
  std::vector<std::string> out;
  Json list = text.is_string() ? parse_json(text.get<std::string>()) : Json();
  if (list.is_array())
    for (const auto& item : list)
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

std::optional<double> optional_number(const Json& row, const char* key) {
  const Json* v = field(row, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

// A catalogue row as read from D1, to serve as a price reference.
catalog::CatalogEntry entry_from_row(const Json& row) {
  catalog::CatalogEntry e;
  e.provider_id = str_field(row, "provider_id");
  e.model_id = str_field(row, "model_id");
  e.upstream_model_id = str_field(row, "upstream_model_id");
  e.name = str_field(row, "name");
  e.input_price_per_m = optional_number(row, "input_price");
  e.output_price_per_m = optional_number(row, "output_price");
  e.cache_read_price_per_m = optional_number(row, "cache_read_price");
  e.cache_write_price_per_m = optional_number(row, "cache_write_price");
  e.context_length = int_field(row, "context_length");
  if (const Json* m = field(row, "input_modalities")) e.input_modalities = string_list(*m);
  if (const Json* m = field(row, "output_modalities")) e.output_modalities = string_list(*m);
  if (str_field(row, "model_type") == "embedding") e.type = catalog::ModelType::embedding;
  return e;
}

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// One provider whose model list is fetched in this run.
struct ListJob {
  catalog::ProviderDef def;
  std::string catalog_owner;  // '' for a built-in provider, the owner of a custom one (store/catalog_store.h)
  std::string url;
  std::string parser;
  Json credential;     // {id, ciphertext}, or null for a public list
  std::string source;  // catalogue source of its rows: 'sync', or 'custom'
  bool reference = false;
  catalog::SyncState state;
  // The provider's separate embeddings list, fetched after the main one.
  std::string embeddings_url;
  Json embeddings_headers = Json::object();
};

// One auto-quota credential whose balance is refreshed.
struct CreditJob {
  std::string credential_id;
  std::string owner_id;
  std::string ciphertext;
  const catalog::ProviderDef* def = nullptr;
};

// One dead credential checked again: an API key with its provider's
// validation, an OAuth credential with a token refresh.
struct CheckJob {
  std::string credential_id;
  std::string owner_id;
  std::string ciphertext;
  catalog::ProviderDef def;  // a copy: custom definitions live in this task only
  bool oauth = false;
};

class SyncTask : public RoutingTask {
 public:
  SyncTask(Gateway& gw, int64_t now_ms, bool on_request, std::string only_provider, std::string nonce, bool allowed = true)
      : RoutingTask(gw, now_ms), now_ms_(now_ms), on_request_(on_request), allowed_(allowed), only_(std::move(only_provider)), nonce_(std::move(nonce)) {}

  Action start(const Event&) override {
    if (!allowed_) return error_response(ApiError::forbidden("Syncing the catalogue needs the admin token.", "admin_only"));
    return load_state();
  }

 private:
  Action load_state() {
    // The cron works across owners. Credentials resting on an empty balance
    // come first among the balances: their refresh may put them back in rotation.
    return run_sql({store::sync_state::all(), store::credentials::all_owners_usable(), store::providers::all_owners(),
                    store::credentials::all_owners_auto_quota(budget_.balances), store::credentials::all_owners_dead(kMaxDeadChecks)},
                   [this](const SqlResult& r) {
      if (!r.ok()) return finish_with_error("The gateway database is unavailable: " + r.error);
      return plan(r);
    });
  }

  Action plan(const SqlResult& r) {
    std::map<std::string, catalog::SyncState> states;
    for (const auto& row : r.at(0)) {
      std::string key = str_field(row, "key");
      catalog::SyncState state;
      if (catalog::parse_sync_state(str_field(row, "value"), state)) states[store::sync_state::scope_of(key)] = std::move(state);
    }
    // The first usable credential per provider lists its models; a custom
    // provider's, per owner too, since its id is the owner's own.
    std::map<std::string, Json> credential_of;
    for (const auto& row : r.at(1)) {
      // The additional data binds the ciphertext to its row: without it a v2 secret does not open.
      Json credential = sealed_credential(str_field(row, "owner_id"), str_field(row, "id"), str_field(row, "encrypted_secret"));
      std::string provider = str_field(row, "provider_id");
      credential_of.emplace(provider, credential);
      credential_of.emplace(str_field(row, "owner_id") + "/" + provider, credential);
    }

    std::vector<ListJob> jobs;
    bool only_found = only_.empty();
    for (const auto& def : gw_.providers()) {
      if (!only_.empty() && def.id != only_) continue;
      only_found = true;
      if (!def.models.sync) {
        if (!only_.empty()) return finish_with_error(def.name + " has a fixed model list; there is nothing to sync.", 400);
        continue;
      }
      ListJob job;
      job.def = def;
      job.url = gw_.base_url(def) + def.models.sync->path;
      job.parser = def.models.sync->parser;
      job.source = "sync";
      job.reference = def.price_reference;
      if (def.models.sync->auth) {
        auto cred = credential_of.find(def.id);
        // An OAuth refresh token is no bearer key: those lists come with their protocol.
        if (def.auth.kind != catalog::AuthKind::bearer) {
          skipped_.push_back({{"id", def.id}, {"reason", "its model list needs an OAuth access token"}});
          continue;
        }
        if (cred == credential_of.end()) {
          skipped_.push_back({{"id", def.id}, {"reason", "its model list needs a credential; add one first"}});
          continue;
        }
        job.credential = cred->second;
      }
      if (def.embeddings && def.embeddings->list) {
        const catalog::EmbeddingListDef& list = *def.embeddings->list;
        const std::string base = gw_.base_url(def);
        job.embeddings_url = (list.from_origin ? url_origin(base) : base) + list.path;
        job.embeddings_headers = {{"accept", "application/json"}};
        for (const auto& [k, v] : def.extra_headers) job.embeddings_headers[ascii_lower(k)] = v;
        if (list.auth) {
          auto cred = credential_of.find(def.id);
          if (cred == credential_of.end()) {
            skipped_.push_back({{"id", def.id}, {"reason", "its embeddings model list needs a credential; add one first"}});
            continue;
          }
          job.credential = cred->second;
          // The host decrypts the credential into it.
          if (list.auth_header) job.embeddings_headers[ascii_lower(*list.auth_header)] = "${secret}";
          else job.embeddings_headers["authorization"] = "Bearer ${secret}";
        }
      }
      jobs.push_back(std::move(job));
    }
    for (const auto& row : r.at(2)) {
      std::string id = str_field(row, "id");
      if (!only_.empty() && id != only_) continue;
      catalog::CustomProvider custom;
      std::string error;
      if (!catalog::parse_custom_provider(str_field(row, "definition"), custom, error)) continue;
      only_found = true;
      if (!custom.models_url) {
        if (!only_.empty()) return finish_with_error(custom.name + " has a fixed model list (no models_url); there is nothing to sync.", 400);
        continue;
      }
      ListJob job;
      job.def = catalog::custom_provider_def(custom);
      job.catalog_owner = str_field(row, "owner_id");
      job.url = *custom.models_url;
      job.parser = "openai_list";
      job.source = "custom";
      if (auto cred = credential_of.find(str_field(row, "owner_id") + "/" + id); cred != credential_of.end()) job.credential = cred->second;
      jobs.push_back(std::move(job));
    }
    if (!only_found) return finish_with_error("No provider with id '" + only_ + "'.", 404);

    if (const catalog::ProviderDef* reference = gw_.price_reference())
      if (auto s = states.find(reference->id); s != states.end()) reference_key_ = s->second.list_key;
    std::vector<catalog::SyncCandidate> candidates;
    for (auto& job : jobs) {
      if (auto s = states.find(store::sync_state::scope(job.catalog_owner, job.def.id)); s != states.end()) job.state = s->second;
      catalog::SyncCandidate c;
      c.provider_id = job.def.id;
      c.last_at = job.state.at;
      c.expected_models = job.state.models > 0 ? job.state.models : kUnknownListModels;
      c.pending = job.state.pending > 0;
      c.reference = job.reference;
      candidates.push_back(std::move(c));
    }
    std::vector<size_t> picked =
        catalog::pick_sync_batch(candidates, budget_, now_ms_, on_request_ ? 0 : kMinSyncIntervalMs);
    std::set<size_t> chosen(picked.begin(), picked.end());
    for (size_t i : picked) lists_.push_back(std::move(jobs[i]));
    for (size_t i = 0; i < candidates.size(); ++i) {
      bool due = on_request_ || candidates[i].last_at == 0 || candidates[i].pending ||
                 now_ms_ - candidates[i].last_at >= kMinSyncIntervalMs;
      if (!chosen.count(i) && due) pending_.push_back(candidates[i].provider_id);
    }

    // Balances, least recently refreshed first.
    for (const auto& row : r.at(3)) {
      const catalog::ProviderDef* def = gw_.builtin_provider(str_field(row, "provider_id"));
      if (!def || !def->credits || def->auth.kind != catalog::AuthKind::bearer) continue;
      if (!only_.empty() && def->id != only_) continue;
      credits_.push_back({str_field(row, "id"), str_field(row, "owner_id"), str_field(row, "encrypted_secret"), def});
    }

    // Dead API keys, checked as on POST; OAuth credentials by refreshing their token.
    for (const auto& row : r.at(4)) {
      const std::string provider = str_field(row, "provider_id"), owner = str_field(row, "owner_id");
      if (!only_.empty() && provider != only_) continue;
      CheckJob job{str_field(row, "id"), owner, str_field(row, "encrypted_secret"), {}};
      if (const catalog::ProviderDef* def = gw_.builtin_provider(provider)) {
        job.def = *def;
      } else {
        bool found = false;
        for (const auto& c : r.at(2)) {
          catalog::CustomProvider custom;
          std::string error;
          if (str_field(c, "owner_id") != owner || str_field(c, "id") != provider) continue;
          if (catalog::parse_custom_provider(str_field(c, "definition"), custom, error)) {
            job.def = catalog::custom_provider_def(custom);
            found = true;
          }
        }
        if (!found) continue;
      }
      job.oauth = job.def.auth.kind != catalog::AuthKind::bearer;
      if (!job.oauth && job.def.protocol != catalog::Protocol::openai) continue;
      checks_.push_back(std::move(job));
    }
    return next_list();
  }

  // ---- model lists ---------------------------------------------------------
  std::string reference_id() const {
    const catalog::ProviderDef* reference = gw_.price_reference();
    return reference ? reference->id : std::string();
  }

  Action next_list() {
    if (lists_.empty()) return next_credit();
    ListJob& job = lists_.front();
    Json headers = {{"accept", "application/json"}};
    for (const auto& [k, v] : job.def.extra_headers) headers[ascii_lower(k)] = v;
    FetchRequest list_get;
    list_get.url = job.url;
    list_get.headers = std::move(headers);
    list_get.headers_timeout_ms = gw_.config().timeouts.headers_ms;
    if (!job.credential.is_null()) {
      list_get.headers["authorization"] = "Bearer ${secret}";  // the host decrypts the credential into it
      list_get.credential = job.credential;
    }
    Action a = fetch_action(std::move(list_get));
    return then(std::move(a), [this](const Event& ev) { return on_list_head(ev); });
  }

  Action on_list_head(const Event& ev) {
    if (ev.type == EventType::upstream_error) return list_failed("the model list could not be fetched: " + str_field(ev.head, "message", "connection failed"));
    int status = static_cast<int>(int_field(ev.head, "status"));
    Action a;
    if (status < 200 || status >= 300) {
      a = read_body_action(kMaxErrorBytes, gw_.config().timeouts.idle_ms, false);
      return then(std::move(a), [this, status](const Event& body) {
        std::string message = body.type == EventType::upstream_body ? openai::classify_http_error(status, body.payload, "", now_ms_).message : "";
        return list_failed("the model list answered HTTP " + std::to_string(status) + (message.empty() ? "" : ": " + message));
      });
    }
    a = read_body_action(kMaxListBytes, gw_.config().timeouts.idle_ms, false);
    return then(std::move(a), [this](const Event& body) { return on_list_body(body); });
  }

  Action on_list_body(const Event& ev) {
    if (ev.type == EventType::upstream_error) return list_failed("the model list could not be read: " + str_field(ev.head, "message", "connection failed"));
    ListJob& job = lists_.front();
    if (job.embeddings_url.empty()) return process_list(ev.payload, {});
    // Both lists or neither: a sync from the main list alone would retire the embedding models.
    main_body_ = ev.payload;
    FetchRequest list_get;
    list_get.url = job.embeddings_url;
    list_get.headers = job.embeddings_headers;
    list_get.headers_timeout_ms = gw_.config().timeouts.headers_ms;
    list_get.credential = job.credential;
    return then(fetch_action(std::move(list_get)), [this](const Event& head) {
      if (head.type == EventType::upstream_error)
        return list_failed("the embeddings model list could not be fetched: " + str_field(head.head, "message", "connection failed"));
      const int status = static_cast<int>(int_field(head.head, "status"));
      if (status < 200 || status >= 300) return list_failed("the embeddings model list answered HTTP " + std::to_string(status));
      Action read = read_body_action(kMaxListBytes, gw_.config().timeouts.idle_ms, false);
      return then(std::move(read), [this](const Event& body) {
        if (body.type == EventType::upstream_error)
          return list_failed("the embeddings model list could not be read: " + str_field(body.head, "message", "connection failed"));
        std::string main = std::move(main_body_);
        main_body_.clear();
        return process_list(main, body.payload);
      });
    });
  }

  Action process_list(std::string_view body, std::string_view embeddings_body) {
    ListJob& job = lists_.front();
    list_bytes_ = static_cast<int64_t>(body.size() + embeddings_body.size());
    list_key_ = catalog::list_key(body, gw_.seed_version(), job.reference ? "" : reference_key_);
    if (!job.embeddings_url.empty()) list_key_ += "+" + catalog::list_key(embeddings_body, gw_.seed_version(), "");
    if (job.state.ok && job.state.pending == 0 && job.state.list_key == list_key_) return list_unchanged();
    own_reference_ = catalog::make_reference_map(catalog::catalog_from_definition(job.def));
    std::vector<const catalog::ReferenceMap*> references = {&own_reference_};
    if (!job.reference && fresh_reference_) references.push_back(&*fresh_reference_);
    catalog::FreshList list = catalog::read_fresh_list(job.def, job.parser, body, references, embeddings_body);
    if (!list.ok) return list_failed("the model list could not be parsed: " + list.error);

    std::vector<Statement> batch = {store::catalog::active_ids(job.catalog_owner, job.def.id),
                                    store::sync_state::row_digests(job.catalog_owner, job.def.id)};
    // Prices still missing come from the reference provider's rows in D1, when its list was not fetched in this run.
    const bool lookup = !job.reference && !fresh_reference_ && !list.fill.unpriced.empty();
    if (lookup) batch.push_back(store::catalog::reference_prices(reference_id(), list.fill.unpriced, kMaxReferenceLookups));
    fresh_rows_ = std::move(list.rows);
    unpriced_ = list.fill.unpriced.size();
    return run_sql(std::move(batch), [this, lookup](const SqlResult& r) { return write_list(r, lookup); });
  }

  Action write_list(const SqlResult& r, bool looked_up) {
    if (!r.ok()) return list_failed("the catalogue could not be read: " + r.error);
    ListJob& job = lists_.front();
    const std::vector<std::string> previously_active =
        catalog::split_lines(r.at(0).empty() ? std::string() : str_field(r.at(0)[0], "ids"));
    const catalog::RowDigests written_before =
        catalog::parse_row_digests(r.at(1).empty() ? std::string() : str_field(r.at(1)[0], "value"));
    if (looked_up) {
      std::vector<catalog::CatalogEntry> rows;
      for (const auto& row : r.at(2)) rows.push_back(entry_from_row(row));
      catalog::ReferenceMap from_db = catalog::make_reference_map(rows);
      // The reference provider's shipped snapshot is the last resort.
      catalog::ReferenceMap from_snapshot;
      if (const catalog::ProviderDef* reference = gw_.price_reference())
        from_snapshot = catalog::make_reference_map(catalog::catalog_from_definition(*reference));
      unpriced_ = catalog::fill_from_reference(fresh_rows_, {&from_db, &from_snapshot}).unpriced.size();
    }
    const size_t listed = fresh_rows_.size();
    const size_t row_budget = static_cast<size_t>(std::max<int64_t>(0, budget_.rows - rows_written_));
    catalog::CatalogWrite write = catalog::plan_catalog_write(job.catalog_owner, job.def.id, previously_active, true, std::move(fresh_rows_),
                                                              job.source, written_before, row_budget, now_ms_);
    fresh_rows_.clear();
    rows_written_ += static_cast<int64_t>(write.upserted);
    catalog::SyncState state = job.state;
    state.at = now_ms_;
    state.bytes = list_bytes_;
    state.ok = !write.decision.upsert.empty();
    state.error = state.ok ? "" : write.decision.reason;
    state.note = state.ok && write.decision.refused ? write.decision.reason : "";
    if (state.ok) {
      state.models = static_cast<int64_t>(write.decision.upsert.size());
      state.pending = static_cast<int64_t>(write.pending);
      state.list_key = write.pending == 0 ? list_key_ : "";
    }
    if (job.reference && state.ok) {
      reference_key_ = state.list_key;
      // Kept only for the lists still to come in this run: it copies every row.
      if (lists_.size() > 1) fresh_reference_ = catalog::make_reference_map(write.decision.upsert);
    }

    Json report = {{"id", job.def.id},
                   {"ok", state.ok},
                   {"models", listed},
                   {"upserted", write.upserted},
                   {"pending", write.pending},
                   {"deactivated", write.decision.deactivate.size()},
                   {"unchanged", state.ok && write.upserted == 0 && write.pending == 0 && write.decision.deactivate.empty()},
                   {"unpriced", unpriced_},
                   {"refused", write.decision.refused ? Json(write.decision.reason) : Json(nullptr)},
                   {"error", text_or_null(state.error)}};
    std::vector<Statement> statements = std::move(write.statements);
    const bool catalog_changed = !statements.empty();
    statements.push_back(store::sync_state::put_state(job.catalog_owner, job.def.id, catalog::sync_state_json(state)));
    if (catalog_changed && state.ok)
      statements.push_back(store::sync_state::put_row_digests(job.catalog_owner, job.def.id, catalog::row_digests_text(write.digests)));
    return run_sql(std::move(statements), [this, report, catalog_changed](const SqlResult& w) {
      if (!w.ok()) return list_failed("the catalogue could not be written: " + w.error);
      catalog_changed_ = catalog_changed_ || catalog_changed;
      providers_report_.push_back(report);
      lists_.pop_front();
      return next_list();
    });
  }

  // Byte for byte the list last written, priced from the same references:
  // the catalogue already holds its rows.
  Action list_unchanged() {
    ListJob& job = lists_.front();
    catalog::SyncState state = job.state;
    state.at = now_ms_;
    state.bytes = list_bytes_;
    final_writes_.push_back(store::sync_state::put_state(job.catalog_owner, job.def.id, catalog::sync_state_json(state)));
    providers_report_.push_back({{"id", job.def.id}, {"ok", true}, {"models", state.models}, {"upserted", 0}, {"pending", 0},
                                 {"deactivated", 0}, {"unchanged", true}, {"unpriced", nullptr},
                                 {"refused", nullptr}, {"error", nullptr}});
    lists_.pop_front();
    return next_list();
  }

  // Nothing changes in the catalogue; the attempt is recorded with the run's last writes.
  Action list_failed(const std::string& why) {
    ListJob& job = lists_.front();
    catalog::SyncState state = job.state;
    state.at = now_ms_;
    state.ok = false;
    state.error = why;
    state.note.clear();
    main_body_.clear();
    final_writes_.push_back(store::sync_state::put_state(job.catalog_owner, job.def.id, catalog::sync_state_json(state)));
    providers_report_.push_back({{"id", job.def.id}, {"ok", false}, {"models", 0}, {"upserted", 0}, {"pending", 0},
                                 {"deactivated", 0}, {"unchanged", false}, {"unpriced", 0}, {"refused", nullptr}, {"error", why}});
    fresh_rows_.clear();
    lists_.pop_front();
    return next_list();
  }

  // ---- auto-quota balances -------------------------------------------------
  Action next_credit() {
    if (credits_.empty()) return next_check();
    const CreditJob& job = credits_.front();
    Json headers = {{"accept", "application/json"}, {"authorization", "Bearer ${secret}"}};
    for (const auto& [k, v] : job.def->extra_headers) headers[ascii_lower(k)] = v;
    FetchRequest credits_get;
    credits_get.url = gw_.base_url(*job.def) + job.def->credits->path;
    credits_get.headers = std::move(headers);
    credits_get.credential = sealed_credential(job.owner_id, job.credential_id, job.ciphertext);
    credits_get.headers_timeout_ms = gw_.config().timeouts.headers_ms;
    return then(fetch_action(std::move(credits_get)), [this](const Event& ev) {
      if (ev.type == EventType::upstream_error) return credit_done(false, nullptr, str_field(ev.head, "message", "connection failed"));
      int status = static_cast<int>(int_field(ev.head, "status"));
      if (status < 200 || status >= 300) return credit_done(false, nullptr, "HTTP " + std::to_string(status));
      Action read = read_body_action(kMaxCreditsBytes, gw_.config().timeouts.idle_ms, false);
      return then(std::move(read), [this](const Event& body) {
        if (body.type == EventType::upstream_error) return credit_done(false, nullptr, str_field(body.head, "message", "read failed"));
        catalog::CreditBalance balance;
        std::string error;
        if (!catalog::parse_credits(credits_.front().def->credits->parser, body.payload, gw_.config().cny_usd_rate, balance, error))
          return credit_done(false, nullptr, error);
        return credit_done(true, balance.remaining_usd, "");
      });
    });
  }

  Action credit_done(bool ok, Json remaining_usd, const std::string& error) {
    const CreditJob& job = credits_.front();
    if (ok) {
      const int64_t remaining = billing::usd_to_nano(remaining_usd.get<double>());
      final_writes_.push_back(store::credentials::set_auto_quota(job.owner_id, job.credential_id, remaining, now_ms_));
      if (remaining > 0) {
        // Money again: the rest an empty balance imposed ends with this refresh.
        final_writes_.push_back(store::health::clear(job.credential_id, routing::kAllModels));
        gw_.health().clear_credential(job.credential_id);
      }
      owners_touched_.insert(job.owner_id);
    }
    credits_report_.push_back({{"credential_id", job.credential_id},
                               {"provider_id", job.def->id},
                               {"ok", ok},
                               {"quota_usd", remaining_usd},
                               {"error", text_or_null(error)}});
    credits_.pop_front();
    return next_credit();
  }

  // ---- dead keys -----------------------------------------------------------
  // A key marked dead by an upstream's 401 (revoked, or a provider outage
  // that answered 401) comes back by itself once its validation passes again.
  Action next_check() {
    if (checks_.empty()) return finish();
    const CheckJob& job = checks_.front();
    if (job.oauth) return next_oauth_check();
    // The host decrypts the credential into the placeholder.
    Action a = validation_fetch(gw_, job.def, "${secret}", sealed_credential(job.owner_id, job.credential_id, job.ciphertext));
    return then(std::move(a), [this](const Event& ev) {
      if (ev.type == EventType::upstream_error) return check_done(KeyVerdict::unknown, 0);
      const int status = static_cast<int>(int_field(ev.head, "status"));
      return check_done(key_verdict(status), status);
    });
  }

  Action check_done(KeyVerdict verdict, int status) {
    const CheckJob& job = checks_.front();
    if (verdict == KeyVerdict::valid) {
      final_writes_.push_back(store::health::clear_credential(job.credential_id));
      final_writes_.push_back(store::credentials::revive(job.owner_id, job.credential_id, now_ms_));
      owners_touched_.insert(job.owner_id);
    } else {
      final_writes_.push_back(store::credentials::requeue_dead(job.owner_id, job.credential_id, now_ms_));
    }
    checks_report_.push_back({{"credential_id", job.credential_id},
                              {"provider_id", job.def.id},
                              {"status", status ? Json(status) : Json(nullptr)},
                              {"revived", verdict == KeyVerdict::valid}});
    checks_.pop_front();
    return next_check();  // the answer's status is the verdict; the next fetch drops its body
  }

  // The protocol's own preparation with its access token dropped: a refresh,
  // written back by compare-and-swap like any other.
  Action next_oauth_check() {
    const CheckJob& job = checks_.front();
    AttemptContext context;
    context.gw = &gw_;
    context.def = gw_.builtin_provider(job.def.id);
    context.credential.id = job.credential_id;
    context.credential.owner_id = job.owner_id;
    context.credential.provider_id = job.def.id;
    context.credential.ciphertext = job.ciphertext;
    context.credential.dead = true;
    context.nonce = nonce_;
    context.attempt_number = static_cast<int>(checks_report_.size());
    context.now_ms = now_ms_;
    adapter_ = context.def ? make_upstream_adapter(context) : nullptr;
    if (!adapter_) {
      checks_.pop_front();
      return next_check();
    }
    return revalidating(adapter_->revalidate(now_ms_));
  }

  Action revalidating(PrepareStep step) {
    switch (step.kind) {
      case PrepareStep::Kind::act:
        return then(std::move(step.action), [this](const Event& ev) { return revalidating(adapter_->advance(ev)); });
      case PrepareStep::Kind::failed:
        return oauth_check_done(&step.error);
      case PrepareStep::Kind::ready:
        break;
    }
    return oauth_check_done(nullptr);
  }

  // Revived by a refresh; a refused refresh keeps it dead with the new
  // reason; anything else (unreachable, 5xx) says nothing about the token.
  Action oauth_check_done(const UpstreamError* error) {
    const CheckJob& job = checks_.front();
    adapter_.reset();
    const bool revived = !error;
    if (revived) {
      final_writes_.push_back(store::health::clear_credential(job.credential_id));
      final_writes_.push_back(store::credentials::revive(job.owner_id, job.credential_id, now_ms_));
      owners_touched_.insert(job.owner_id);
    } else if (health_effect(error->error_class) == HealthEffect::dead) {
      final_writes_.push_back(store::credentials::set_dead_reason(
          job.owner_id, job.credential_id, std::string(error_class_name(error->error_class)) + ": " + error->message.substr(0, 200), now_ms_));
      owners_touched_.insert(job.owner_id);
    }
    const int status = revived ? 200 : error->http_status;
    const bool reached = revived || (error->error_class != ErrorClass::network && error->error_class != ErrorClass::timeout);
    checks_report_.push_back({{"credential_id", job.credential_id},
                              {"provider_id", job.def.id},
                              {"status", reached && status ? Json(status) : Json(nullptr)},
                              {"revived", revived}});
    checks_.pop_front();
    return next_check();
  }

  // ---- end -----------------------------------------------------------------
  Action finish() {
    if (final_writes_.empty()) return conclude("");
    return run_sql(std::move(final_writes_), [this](const SqlResult& r) { return conclude(r.ok() ? "" : r.error); });
  }

  Action conclude(const std::string& write_error) {
    if (catalog_changed_) gw_.invalidate_offerings();
    for (const auto& owner : owners_touched_) gw_.invalidate_owner(owner);
    if (!on_request_) return done();
    if (!write_error.empty()) return error_response(ApiError::internal("The sync state could not be recorded: " + write_error));
    Json pending = Json::array();
    for (const auto& id : pending_) pending.push_back(id);
    return json_response(200, {{"object", "catalog.sync"},
                               {"providers", providers_report_},
                               {"pending", pending},
                               {"skipped", skipped_},
                               {"credits", credits_report_},
                               {"revalidated", checks_report_}});
  }

  Action finish_with_error(const std::string& message, int status = 500) {
    if (!on_request_) return done();
    if (status == 404) return error_response(ApiError::not_found(message, "provider_not_found"));
    if (status == 400) return error_response(ApiError::bad_request(message, "nothing_to_sync", "provider"));
    return error_response(ApiError::internal(message));
  }

  static Action done() {
    Action a = done_action();
    return a;
  }

  int64_t now_ms_;
  bool on_request_;
  bool allowed_;
  std::string only_;
  std::string nonce_;  // the run's randomness, for the protocols' request ids
  std::unique_ptr<UpstreamAdapter> adapter_;  // the OAuth check in progress
  std::deque<ListJob> lists_;
  std::deque<CreditJob> credits_;
  std::deque<CheckJob> checks_;
  std::vector<std::string> pending_;
  Json skipped_ = Json::array();
  Json providers_report_ = Json::array();
  Json credits_report_ = Json::array();
  Json checks_report_ = Json::array();
  std::vector<Statement> final_writes_;
  std::set<std::string> owners_touched_;
  catalog::ReferenceMap own_reference_;
  std::optional<catalog::ReferenceMap> fresh_reference_;  // the reference provider's list, once fetched in this run
  std::vector<catalog::CatalogEntry> fresh_rows_;
  std::string main_body_;  // the main list, held while the embeddings list is fetched
  size_t unpriced_ = 0;  // rows of the current list still without a price
  int64_t list_bytes_ = 0;
  std::string list_key_;       // of the list being synced
  std::string reference_key_;  // of the reference provider's list as last fully written
  int64_t rows_written_ = 0;  // in this run, against budget_.rows
  catalog::SyncBudget budget_;
  bool catalog_changed_ = false;
};

}  // namespace

std::unique_ptr<Task> make_scheduled_sync_task(Gateway& gateway, const Event& scheduled) {
  return std::make_unique<SyncTask>(gateway, scheduled.now_ms(), false, "", str_field(scheduled.head, "nonce"));
}

std::unique_ptr<Task> make_sync_request_task(Gateway& gateway, HttpRequest request, Caller caller) {
  return std::make_unique<SyncTask>(gateway, request.now_ms, true, ascii_lower(query_param(request.query, "provider")), request.nonce,
                                    caller.admin);
}

}  // namespace keyaos::api
