// WorkerThread: one background thread with a wake-able wait. It is the
// start/stop/wake plumbing of every long-running loop: the daemon's engine,
// outbox sender, reconciler, availability refresher and inbox committer, and
// the simulator's webhook deliveries, demo and bulk jobs.
//
// The owner hands start() the loop. The loop does its work, then waits with
// wait(), wait_until() or wait_for(): these return early when wake() is
// called, and return false once stop() was called, the loop's cue to return.
// A wake() that comes while the loop is busy ends its next wait at once, so
// none is lost. sleep_until() and sleep_for() (pacing, back-off) ignore
// wake() and end at the time or at stop(). The loop keeps its own state and
// its own Mutex; wake() only says "look again".
//
// Time is read from the Clock given at construction (elapsed time, a
// SteadyClock, by default). On a test's ManualClock a deadline comes when the
// test advances the clock, and wait_idle() tells the test when the thread
// has nothing left to do but wait. A jump of the clock counts as a wake():
// a loop busy when the clock jumped may have computed its next wait from the
// time before the jump (or, with wait_for(), from the time after it), so its
// next wait ends at once and it looks again.
//
// liveness() tells an admin page whether the loop still runs and how long it
// has been waiting or working (a loop working for minutes is stuck).
//
// Threads: start() and stop() from the owner, never from the loop itself;
// wake(), stopping(), liveness() and wait_idle() from any thread. The waits are for the
// loop, or for another thread that wants stop() to interrupt it (the
// reconciler's run_once() in tests). An exception that escapes the loop is
// caught and logged and ends the thread; it never escapes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "core/time.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"

namespace tierd {

// What a loop is doing now, in real (steady) time.
struct WorkerLiveness {
  bool running = false;                            // started, and the loop has not returned
  bool waiting = false;                            // in a wait or a sleep (else working)
  std::chrono::steady_clock::duration in_state{};  // how long it has been waiting or working
};

class WorkerThread final : private ClockWaiter {
 public:
  // `name` labels its log lines ("engine", "writer", ...).
  explicit WorkerThread(std::string name);
  WorkerThread(std::string name, const Clock& clock);
  ~WorkerThread();  // stops and joins
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Runs `loop` on a new thread; does nothing while the thread of an earlier
  // start() has not been stopped. A start() after stop() begins afresh.
  void start(std::function<void()> loop) EXCLUDES(mutex_);
  // Makes every wait return false from now on, wakes the thread and joins it.
  // Idempotent. stopping() stays true until the next start().
  void stop() EXCLUDES(mutex_);
  // Ends the thread's current or next wait().
  void wake() EXCLUDES(mutex_);

  bool started() const { return thread_.joinable(); }  // owner only
  bool stopping() const EXCLUDES(mutex_);
  WorkerLiveness liveness() const EXCLUDES(mutex_);
  const Clock& clock() const { return clock_; }

  // Until wake(), stop(), or the clock reaches `deadline`. False when stopping.
  bool wait() EXCLUDES(mutex_);
  bool wait_until(Instant deadline) EXCLUDES(mutex_);
  bool wait_for(Duration d) EXCLUDES(mutex_);
  // Until the clock reaches `deadline`; only stop() ends it early.
  bool sleep_until(Instant deadline) EXCLUDES(mutex_);
  bool sleep_for(Duration d) EXCLUDES(mutex_);

  // For tests: blocks for up to `bound` of real time until the thread is in
  // a wait that only time can end (no wake pending, its deadline not
  // reached), and returns how many times a wait has blocked so far; nullopt
  // when that did not happen in time. Two equal counts around some other
  // check mean the thread did not run in between.
  std::optional<uint64_t> wait_idle(std::chrono::milliseconds bound) const EXCLUDES(mutex_);

 private:
  bool block(std::optional<Instant> deadline, bool wakeable) EXCLUDES(mutex_);
  bool block_locked(MutexLock& lock, std::optional<Instant> deadline, bool wakeable)
      REQUIRES(mutex_);
  bool idle() const REQUIRES(mutex_);
  void clock_moved() override EXCLUDES(mutex_);

  const std::string name_;
  const Clock& clock_;
  std::thread thread_;  // owner only

  mutable Mutex mutex_;
  CondVar changed_;             // for the waits: woken, stopping, or the clock moved
  mutable CondVar blocked_cv_;  // for wait_idle(): a wait blocked
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool woken_ GUARDED_BY(mutex_) = false;
  int blocked_ GUARDED_BY(mutex_) = 0;                // waits blocked now
  bool blocked_wakeable_ GUARDED_BY(mutex_) = false;  // the latest one to block
  uint64_t blocks_ GUARDED_BY(mutex_) = 0;            // waits that have blocked so far
  uint64_t clock_moves_ GUARDED_BY(mutex_) = 0;
  uint64_t blocked_at_move_ GUARDED_BY(mutex_) = 0;  // clock_moves_ when the latest one blocked
  bool running_ GUARDED_BY(mutex_) = false;
  bool waiting_ GUARDED_BY(mutex_) = false;
  std::chrono::steady_clock::time_point state_since_ GUARDED_BY(mutex_){};
};

}  // namespace tierd
