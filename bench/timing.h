#pragma once
#include <algorithm>
#include <chrono>
#include <vector>

namespace keyaos::bench {

// The median time of one call of body(i), in ns, over nine batches: the
// median batch, so one slow batch (a page fault, the machine's noise) does
// not move the figure.
template <class F>
double median_ns(int iterations, F&& body) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> batches;
  const int per_batch = std::max(1, iterations / 9);
  for (int b = 0; b < 9; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < per_batch; ++i) body(i);
    batches.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / per_batch);
  }
  std::sort(batches.begin(), batches.end());
  return batches[batches.size() / 2];
}

}  // namespace keyaos::bench
