#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/io.h"
#include "core/task.h"

namespace keyaos {

class Gateway;

// Host-facing entry point: owns the isolate-wide gateway state and the
// in-flight requests, each behind a handle. Every call is synchronous.
class Engine {
 public:
  Engine();
  ~Engine();

  // Configuration from the host (secrets and overrides from the Worker env).
  // Returns an error message, empty on success.
  std::string init(std::string_view config_json);

  uint32_t open();
  // Feeds one event to request `handle` and returns the action to perform.
  Action step(uint32_t handle, std::string_view event_json, std::string_view payload);
  void close(uint32_t handle);
  size_t open_count() const { return tasks_.size(); }


 private:
  Action dispatch(uint32_t handle, std::string_view event_json, std::string_view payload);
  std::unique_ptr<Gateway> gateway_;
  std::unordered_map<uint32_t, std::unique_ptr<Task>> tasks_;
  uint32_t next_handle_ = 1;
};

// Action wire format for the host: [u32 LE header length][header JSON][payload].
std::string encode_action(const Action& action);

}  // namespace keyaos
