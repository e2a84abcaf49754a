#include "core/engine.h"

#include "api/router.h"
#include "api/sync.h"
#include "core/gateway.h"

namespace keyaos {

Engine::Engine() : gateway_(std::make_unique<Gateway>()) {}
Engine::~Engine() = default;

std::string Engine::init(std::string_view config_json) {
  Json config = parse_json(config_json);
  if (!config.is_object()) return "configuration is not a JSON object";
  return gateway_->configure(config);
}

uint32_t Engine::open() {
  uint32_t handle = next_handle_++;
  if (next_handle_ == 0) next_handle_ = 1;
  tasks_[handle] = nullptr;
  return handle;
}

void Engine::close(uint32_t handle) { tasks_.erase(handle); }

Action Engine::step(uint32_t handle, std::string_view event_json, std::string_view payload) {
  Action action = dispatch(handle, event_json, payload);
  // Secrets of deleted or changed credentials leave the host's cache too.
  std::vector<std::string> forgotten = gateway_->take_forgotten();
  if (!forgotten.empty() && action.head.is_object()) action.head["forget_secrets"] = forgotten;
  return action;
}

Action Engine::dispatch(uint32_t handle, std::string_view event_json, std::string_view payload) {
  Event ev;
  ev.head = parse_json(event_json);
  if (!ev.head.is_object()) return respond_action(500, Json::object(), R"({"error":{"message":"malformed engine event","type":"server_error","param":null,"code":"internal_error"}})");
  ev.type = str_field(ev.head, "type");
  ev.payload.assign(payload);
  auto it = tasks_.find(handle);
  if (it == tasks_.end())
    return respond_action(500, Json::object(), R"({"error":{"message":"unknown request handle","type":"server_error","param":null,"code":"internal_error"}})");
  if (!it->second) {
    if (ev.type == "request") {
      api::Routed routed = api::route(*gateway_, api::request_from(ev));
      if (!routed.task) return std::move(routed.immediate);
      it->second = std::move(routed.task);
      return it->second->start(ev);
    }
    if (ev.type == "scheduled") {  // the cron: catalogue sync and auto-quota balances
      it->second = api::make_scheduled_sync_task(*gateway_, ev);
      return it->second->start(ev);
    }
    Action done;
    done.head = {{"type", "done"}};
    return done;
  }
  return it->second->resume(ev);
}

std::string encode_action(const Action& action) {
  std::string head = dump_json(action.head);
  std::string out;
  out.reserve(4 + head.size() + action.payload.size());
  uint32_t n = static_cast<uint32_t>(head.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out += head;
  out += action.payload;
  return out;
}

}  // namespace keyaos
