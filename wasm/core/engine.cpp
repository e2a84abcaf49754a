#include "core/engine.h"

#include <algorithm>

#include "api/router.h"
#include "api/sync.h"
#include "core/gateway.h"
#include "core/json_index.h"
#include "core/json_tree.h"
#include "core/json_write.h"
#include "payments/auto_topup.h"
#include "store/wallet_store.h"

namespace keyaos {
namespace {

// Runs one task to its `done`, then another: the cron's auto top-up sweep,
// then its catalogue sync (the sweep's `done` carries no background).
class Sequence : public Task {
 public:
  Sequence(std::unique_ptr<Task> first, std::function<std::unique_ptr<Task>()> second)
      : first_(std::move(first)), second_(std::move(second)) {}
  Action start(const Event& ev) override {
    first_event_ = ev;
    return hand_over(std::move(first_), ev);
  }

 private:
  Action inner_finished(Action last) override {
    if (!is_action(last, ActionType::done) || !second_) return last;
    auto second = std::move(second_);
    second_ = nullptr;
    return hand_over(second(), first_event_);
  }
  std::unique_ptr<Task> first_;
  std::function<std::unique_ptr<Task>()> second_;
  Event first_event_;
};

// An answer whose background batch debits a Platform wallet names the
// follow-up the host runs once that batch is written: the wallet may now be
// below its auto top-up threshold (payments/auto_topup.h).
void mark_follow_up(const Gateway& gw, Action& action) {
  if (!gw.config().platform.enabled || !gw.config().stripe.secret_key_set || !action.head.is_object()) return;
  const Json* background = field(action.head, "background");
  if (!background || !background->is_array()) return;
  for (const auto& s : *background) {
    const std::string owner = store::wallet::spender_of(s);
    if (owner.empty()) continue;
    action.head["follow_up"] = {{"type", "auto_topup"}, {"owner_id", owner}};
    return;
  }
}

}  // namespace

Engine::Engine() : gateway_(std::make_unique<Gateway>()) {
  // Before any parser is allocated: the module has only simdjson's scalar kernel.
  json_index::install_where_scalar();
}
Engine::~Engine() = default;

std::string Engine::init(std::string_view config_json) {
  Json config = parse_json(config_json);
  if (!config.is_object()) return "configuration is not a JSON object";
  return gateway_->configure(config);
}

uint32_t Engine::open() {
  uint32_t handle = next_handle_++;
  if (next_handle_ == 0) next_handle_ = 1;
  tasks_[handle] = Slot{};
  return handle;
}

void Engine::close(uint32_t handle) { tasks_.erase(handle); }

void Engine::touch(uint32_t handle, int64_t now_ms) {
  auto it = tasks_.find(handle);
  if (it != tasks_.end()) it->second.last_ms = now_ms;
}

int64_t Engine::abandoned_after_ms() const {
  // Every host action is bounded by one of these timeouts (a sleep by 60 s);
  // twice the longest, plus a minute, is far past any live request's silence.
  const Timeouts& t = gateway_->config().timeouts;
  int64_t longest = std::max<int64_t>({t.headers_ms, t.first_token_ms, t.idle_ms, 60000});
  return 2 * longest + 60000;
}

void Engine::sweep(int64_t now_ms) {
  if (now_ms - last_sweep_ms_ < 1000) return;
  last_sweep_ms_ = now_ms;
  const int64_t limit = abandoned_after_ms();
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second.last_ms < 0) it->second.last_ms = now_ms;  // opened, never stepped: the clock starts now
    if (now_ms - it->second.last_ms > limit) it = tasks_.erase(it);
    else ++it;
  }
}

Action Engine::step(uint32_t handle, std::string_view event_json, std::string_view payload) {
  Action action = dispatch(handle, event_json, payload);
  mark_follow_up(*gateway_, action);
  // Secrets of deleted or changed credentials leave the host's cache too.
  std::vector<std::string> forgotten = gateway_->take_forgotten();
  if (!forgotten.empty() && action.head.is_object()) action.head["forget_secrets"] = forgotten;
  return action;
}

bool Engine::relay_chunk(uint32_t handle, int64_t now_ms, std::string_view bytes, std::string& out) {
  auto it = tasks_.find(handle);
  if (it == tasks_.end() || !it->second.task || gateway_->has_forgotten()) return false;
  if (!it->second.task->relay_chunk(bytes, out)) return false;
  if (now_ms > 0) it->second.last_ms = now_ms;
  return true;
}

Action Engine::dispatch(uint32_t handle, std::string_view event_json, std::string_view payload) {
  Event ev;
  if (!json_tree::object_from_text(event_json, event_input_, ev.head)) return engine_failure_action("malformed engine event");
  ev.type = event_type_from(str_field(ev.head, "type"));
  if (ev.type == EventType::unknown)
    return engine_failure_action("unknown engine event");
  ev.payload.assign(payload);
  const int64_t now = ev.now_ms();
  if (!tasks_.count(handle))
    return engine_failure_action("unknown request handle");
  Slot& slot = tasks_[handle];
  if (now > 0) slot.last_ms = now;
  if (!slot.task) {
    if (ev.type == EventType::request || ev.type == EventType::scheduled || ev.type == EventType::follow_up) {
      if (now > 0) sweep(now);
      if (tasks_.size() > kMaxOpenTasks)
        return respond_action(503, {{"content-type", "application/json"}, {"retry-after", "1"}},
                              R"({"error":{"message":"The gateway has too many requests in flight; retry shortly.","type":"service_unavailable","param":null,"code":"overloaded"}})");
    }
    // The sweep never closes `handle` itself: its clock was just set.
    Slot& fresh = tasks_[handle];
    if (ev.type == EventType::request) {
      api::Routed routed = api::route(*gateway_, api::request_from(ev));
      if (!routed.task) return std::move(routed.immediate);
      fresh.task = std::move(routed.task);
      return fresh.task->start(ev);
    }
    if (ev.type == EventType::scheduled) {  // the cron: the auto top-up sweep, then catalogue sync and auto-quota balances
      Gateway& gw = *gateway_;
      fresh.task = std::make_unique<Sequence>(payments::make_auto_topup_task(gw, "", str_field(ev.head, "nonce"), now),
                                              [&gw, ev] { return api::make_scheduled_sync_task(gw, ev); });
      return fresh.task->start(ev);
    }
    if (ev.type == EventType::follow_up) {  // after a request's ledger write: {follow_up: {type, owner_id}}
      const Json* job = field(ev.head, "follow_up");
      if (job && job->is_object() && str_field(*job, "type") == "auto_topup" && !str_field(*job, "owner_id").empty()) {
        fresh.task = payments::make_auto_topup_task(*gateway_, str_field(*job, "owner_id"), str_field(ev.head, "nonce"), now);
        return fresh.task->start(ev);
      }
    }
    return done_action();
  }
  return slot.task->resume(ev);
}

std::string encode_action(const Action& action) {
  // The head is written in place after its 4-byte length, which is filled in
  // last: a sync's statements carry tens of KB of SQL text and parameters.
  std::string out(4, '\0');
  json_write::tree(action.head, out);
  const uint32_t n = static_cast<uint32_t>(out.size() - 4);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  out += action.payload;
  return out;
}

}  // namespace keyaos
