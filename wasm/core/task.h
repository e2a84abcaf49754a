#pragma once
#include <functional>

#include "core/io.h"

namespace keyaos {

// One request's flow, written as a chain of continuations: each step returns
// the action for the host and names the code that handles its outcome.
class Task {
 public:
  virtual ~Task() = default;
  virtual Action start(const Event& request) = 0;

  Action resume(const Event& event) {
    if (!next_) return respond_action(500, Json::object(), R"({"error":{"message":"request state lost","type":"server_error","param":null,"code":"internal_error"}})");
    auto k = std::move(next_);
    next_ = nullptr;
    return k(event);
  }
  // The task expects another event (it has not answered for good yet).
  bool waiting() const { return static_cast<bool>(next_); }

 protected:
  Action then(Action action, std::function<Action(const Event&)> k) {
    next_ = std::move(k);
    return action;
  }
  Action run_sql(std::vector<Statement> statements, std::function<Action(const SqlResult&)> k);

 private:
  std::function<Action(const Event&)> next_;
};

SqlResult sql_result_from(const Event& event);

}  // namespace keyaos
