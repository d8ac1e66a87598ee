// ManualClock: a Clock that moves only when the test says so. Every
// WorkerThread waiting on it is woken after each move, so a thread whose
// deadline has come runs at once, and no real time has to pass.
//
// Thread-safe: now() from any thread; set()/advance() from the test.
#pragma once

#include <algorithm>
#include <atomic>
#include <vector>

#include "runtime/clock.h"
#include "runtime/mutex.h"

namespace tierd::testing {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : ms_(to_unix_ms(start)) {}

  Instant now() const override { return from_unix_ms(ms_.load()); }
  void set(Instant t) EXCLUDES(mutex_) {
    ms_.store(to_unix_ms(t));
    moved();
  }
  void advance(Duration d) EXCLUDES(mutex_) {
    ms_.fetch_add(d.count());
    moved();
  }

  void add_waiter(ClockWaiter& waiter) const override EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    waiters_.push_back(&waiter);
  }
  void remove_waiter(ClockWaiter& waiter) const override EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    std::erase(waiters_, &waiter);
  }

 private:
  // Under the lock, so that a waiter cannot be removed (and destroyed)
  // while it is told.
  void moved() EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    for (ClockWaiter* w : waiters_) w->clock_moved();
  }

  std::atomic<int64_t> ms_;
  mutable Mutex mutex_;
  mutable std::vector<ClockWaiter*> waiters_ GUARDED_BY(mutex_);
};

}  // namespace tierd::testing
