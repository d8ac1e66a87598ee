// Clock: where tierd reads the current time. Everything that needs "now" or
// waits for a time takes a Clock&, so tests drive time by hand (the
// ManualClock in tests/support) while the daemon uses SystemClock.
//
//   SystemClock  the wall clock: deadlines, timestamps, what the helpdesk sees
//   SteadyClock  elapsed time (std::chrono::steady_clock) as an Instant: for
//                pacing and intervals that a step of the wall clock must
//                neither stretch nor cut short; its epoch means nothing
//
// Waiting for a time on a clock is the WorkerThread's job
// (runtime/worker_thread.h). A clock whose time flows needs nothing from it:
// the waiter's own timeout sees the time pass. A clock whose time jumps
// (the ManualClock) calls clock_moved() of every registered ClockWaiter after
// each jump, so waiters look again. All clocks are safe from any thread.
#pragma once

#include <chrono>

#include "core/time.h"

namespace tierd {

// Something blocked until a time on a Clock.
class ClockWaiter {
 public:
  // Called by a clock whose time jumped, on the thread that moved it; must
  // be quick and must not call back into the clock.
  virtual void clock_moved() = 0;

 protected:
  ~ClockWaiter() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
  // Registration of waiters, for clocks whose time jumps (no-ops here). A
  // waiter is removed before it is destroyed.
  virtual void add_waiter(ClockWaiter& /*waiter*/) const {}
  virtual void remove_waiter(ClockWaiter& /*waiter*/) const {}
};

class SystemClock final : public Clock {
 public:
  Instant now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

class SteadyClock final : public Clock {
 public:
  Instant now() const override {
    return Instant(
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
  }
};

}  // namespace tierd
