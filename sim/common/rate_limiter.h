// Sliding-window request limits like the helpdesks' ("700 requests per
// minute"): each key (the account, one ticket, one endpoint) may make `limit`
// requests in any `window`; a request over the limit is refused with the
// seconds until a slot frees (Retry-After).
//
// Thread-safe (one internal mutex). The clock is passed in so tests can drive
// it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "runtime/mutex.h"

namespace tierd::sim {

struct RateDecision {
  bool allowed = true;
  int limit = 0;
  int remaining = 0;            // after this request
  int reset_seconds = 0;        // until the oldest counted request leaves the window
  int retry_after_seconds = 0;  // when refused
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(int limit, std::chrono::seconds window) : limit_(limit), window_(window) {}

  // Counts one request for `key` when allowed; refused requests are not counted.
  RateDecision acquire(const std::string& key, Clock::time_point now) EXCLUDES(mutex_);
  // The current state for `key` without counting a request.
  RateDecision peek(const std::string& key, Clock::time_point now) EXCLUDES(mutex_);
  void reset() EXCLUDES(mutex_);
  int limit() const { return limit_; }

 private:
  RateDecision decide(std::deque<Clock::time_point>& hits, Clock::time_point now, bool count);

  // Set at construction.
  const int limit_;
  const std::chrono::seconds window_;
  Mutex mutex_;
  std::map<std::string, std::deque<Clock::time_point>> hits_ GUARDED_BY(mutex_);
};

}  // namespace tierd::sim
