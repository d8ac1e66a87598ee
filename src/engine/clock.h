// Clock: where the daemon reads the current time. Everything that needs "now"
// takes a Clock&, so tests can drive time by hand (ManualClock) while the
// daemon uses SystemClock. Both are thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.h"

namespace tierd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : ms_(to_unix_ms(start)) {}
  Instant now() const override { return from_unix_ms(ms_.load()); }
  void set(Instant t) { ms_.store(to_unix_ms(t)); }
  void advance(Duration d) { ms_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> ms_;
};

}  // namespace tierd
