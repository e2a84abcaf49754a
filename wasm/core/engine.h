#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/io.h"
#include "core/json_read.h"
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
  // A committed stream's upstream chunk without an event (see
  // Task::relay_chunk): true with the client's bytes in `out`, false when the
  // host must send it with step() as upstream_chunk (not relaying, or
  // secrets to forget that only an action's head can carry).
  bool relay_chunk(uint32_t handle, int64_t now_ms, std::string_view bytes, std::string& out);
  // Tells the engine request `handle` is still alive (a stream being relayed
  // without engine steps), so it is not swept as abandoned.
  void touch(uint32_t handle, int64_t now_ms);
  void close(uint32_t handle);
  size_t open_count() const { return tasks_.size(); }
  const Gateway& gateway() const { return *gateway_; }

  // More open requests than this and a new one is refused with a 503.
  static constexpr size_t kMaxOpenTasks = 4096;
  // A request not stepped or touched for this long has lost its host (its
  // promise was cancelled, its client vanished) and is closed by the sweep.
  int64_t abandoned_after_ms() const;

 private:
  struct Slot {
    std::unique_ptr<Task> task;
    int64_t last_ms = -1;  // the host's clock at the last step or touch; -1 = none yet
  };
  // Closes abandoned requests; runs at most once a second, on new requests.
  void sweep(int64_t now_ms);

  Action dispatch(uint32_t handle, std::string_view event_json, std::string_view payload);
  std::unique_ptr<Gateway> gateway_;
  std::unordered_map<uint32_t, Slot> tasks_;
  json_read::Input event_input_;  // events are read with simdjson: a sync's rows carry tens of KB
  uint32_t next_handle_ = 1;
  int64_t last_sweep_ms_ = 0;
};

// Action wire format for the host: [u32 LE header length][header JSON][payload].
std::string encode_action(const Action& action);

}  // namespace keyaos
