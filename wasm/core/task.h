#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/continuation.h"
#include "core/io.h"

namespace keyaos {

// One request's flow, written as a chain of continuations: each step returns
// the action for the host and names the code that handles its outcome.
class Task {
 public:
  virtual ~Task() = default;
  virtual Action start(const Event& request) = 0;

  Action resume(const Event& event) {
    return next_.resume(event, [] { return engine_failure_action("request state lost"); });
  }
  // The task expects another event (it has not answered for good yet).
  bool waiting() const { return next_.pending(); }
  // The hot path of a committed stream: one upstream chunk in, the bytes for
  // the client appended to `out`, with no event or action to encode. A task
  // that is not relaying a committed stream answers false and the host sends
  // the chunk as an upstream_chunk event instead. Its pending continuation
  // is left as it is, so the next event finds the same state.
  virtual bool relay_chunk(std::string_view bytes, std::string& out) {
    return inner_ && inner_->relay_chunk(bytes, out);
  }

 protected:
  Action then(Action action, Continuation<Action>::Step k) {
    next_.set(std::move(k));
    return action;
  }
  Action run_sql(std::vector<Statement> statements, std::function<Action(const SqlResult&)> k);
  // Hands the rest of the request to `inner` (after authentication, say):
  // its actions become this task's, and so does its hot path.
  Action hand_over(std::unique_ptr<Task> inner, const Event& request) {
    inner_ = std::move(inner);
    return forward(inner_->start(request));
  }
  // The last action of a task handed over to: this task's answer, unless it
  // goes on (it may hand over to another task here).
  virtual Action inner_finished(Action last) { return last; }

 private:
  Action forward(Action a) {
    if (!inner_->waiting()) return inner_finished(std::move(a));
    return then(std::move(a), [this](const Event& ev) { return forward(inner_->resume(ev)); });
  }

  Continuation<Action> next_;
  std::unique_ptr<Task> inner_;  // set by hand_over
};

SqlResult sql_result_from(const Event& event);

}  // namespace keyaos
