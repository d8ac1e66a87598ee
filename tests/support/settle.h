// settle(): waits (up to 5 s, or `bound` with settle_within()) until every
// given worker has nothing left to do at the same moment, for in-process
// tests of threads that wake each other (the engine and the outbox sender)
// under a ManualClock. Each argument has wait_idle() (runtime/worker_thread.h).
//
// All are asked in turn, then asked again: when no count moved, each thread
// stayed blocked from its first answer to its second, so at the moment the
// last first answer came they were all blocked at once, with no wake
// pending. Nothing but the test (moving the clock, delivering an event) can
// start them again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace tierd::testing {

template <typename... Workers>
bool settle_within(std::chrono::milliseconds bound, const Workers&... workers) {
  const auto until = std::chrono::steady_clock::now() + bound;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(until -
                                                                 std::chrono::steady_clock::now());
  };
  while (left().count() > 0) {
    std::vector<std::optional<uint64_t>> first{workers.wait_idle(left())...};
    std::vector<std::optional<uint64_t>> second{workers.wait_idle(left())...};
    bool all_idle = true;
    for (size_t i = 0; i < first.size(); ++i) {
      all_idle = all_idle && first[i] && first[i] == second[i];
    }
    if (all_idle) return true;
  }
  return false;
}

template <typename... Workers>
bool settle(const Workers&... workers) {
  return settle_within(std::chrono::seconds(5), workers...);
}

}  // namespace tierd::testing
