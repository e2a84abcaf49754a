#pragma once
#include <functional>
#include <utility>

#include "core/io.h"

namespace keyaos {

// The one way a flow waits for the host: the code that handles the outcome
// of the action just returned, run once by the next event. Tasks hold one
// (their result is the next action); an upstream adapter's preparation holds
// one too (its result is the next preparation step).
template <class Result>
class Continuation {
 public:
  using Step = std::function<Result(const Event&)>;

  void set(Step step) { step_ = std::move(step); }
  bool pending() const { return static_cast<bool>(step_); }
  // Runs the pending step; `lost` when there is none (an event nothing asked for).
  template <class Lost>
  Result resume(const Event& event, Lost&& lost) {
    if (!step_) return lost();
    Step step = std::move(step_);
    step_ = nullptr;  // the step may set the next one
    return step(event);
  }

 private:
  Step step_;
};

}  // namespace keyaos
