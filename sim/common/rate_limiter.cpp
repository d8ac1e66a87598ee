#include "sim/common/rate_limiter.h"

#include <algorithm>

namespace tierd::sim {

namespace {
int ceil_seconds(std::chrono::steady_clock::duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::max<int64_t>(1, (ms + 999) / 1000));
}
}  // namespace

RateDecision RateLimiter::decide(std::deque<Clock::time_point>& hits, Clock::time_point now,
                                 bool count) {
  while (!hits.empty() && hits.front() + window_ <= now) hits.pop_front();
  RateDecision d;
  d.limit = limit_;
  const int used = static_cast<int>(hits.size());
  if (count && used >= limit_) {
    d.allowed = false;
    d.remaining = 0;
    d.retry_after_seconds = hits.empty() ? 1 : ceil_seconds(hits.front() + window_ - now);
    d.reset_seconds = d.retry_after_seconds;
    return d;
  }
  if (count) hits.push_back(now);
  d.remaining = std::max(0, limit_ - static_cast<int>(hits.size()));
  d.reset_seconds =
      hits.empty() ? static_cast<int>(window_.count()) : ceil_seconds(hits.front() + window_ - now);
  return d;
}

RateDecision RateLimiter::acquire(const std::string& key, Clock::time_point now) {
  MutexLock lock(mutex_);
  return decide(hits_[key], now, true);
}

RateDecision RateLimiter::peek(const std::string& key, Clock::time_point now) {
  MutexLock lock(mutex_);
  return decide(hits_[key], now, false);
}

void RateLimiter::reset() {
  MutexLock lock(mutex_);
  hits_.clear();
}

}  // namespace tierd::sim
