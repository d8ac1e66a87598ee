#include "engine/write_pacing.h"

#include <algorithm>
#include <cmath>

namespace tierd {

TokenBucket::TokenBucket(double per_minute, double capacity)
    : per_ms_(per_minute / 60000.0), capacity_(std::max(1.0, capacity)), tokens_(capacity_) {}

void TokenBucket::refill(Instant now) {
  if (last_.time_since_epoch().count() == 0) last_ = now;
  if (now > last_) {
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>((now - last_).count()) * per_ms_);
    last_ = now;
  }
}

Duration TokenBucket::wait_time(Instant now) {
  refill(now);
  if (tokens_ >= 1.0) return Duration(0);
  return Duration(static_cast<int64_t>(std::ceil((1.0 - tokens_) / per_ms_)));
}

bool TokenBucket::take(Instant now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

Duration TicketWindow::wait_time(TicketId ticket, Instant now) {
  auto it = sent_.find(ticket);
  if (it == sent_.end()) return Duration(0);
  auto& times = it->second;
  while (!times.empty() && times.front() + window_ <= now) times.pop_front();
  if (times.empty()) {
    sent_.erase(it);
    return Duration(0);
  }
  if (static_cast<int>(times.size()) < limit_) return Duration(0);
  return times.front() + window_ - now;
}

void TicketWindow::record(TicketId ticket, Instant now) { sent_[ticket].push_back(now); }

Duration backoff_delay(int attempt, Duration base, Duration cap, double jitter) {
  attempt = std::clamp(attempt, 1, 30);
  double full = static_cast<double>(base.count()) * std::pow(2.0, attempt - 1);
  full = std::min(full, static_cast<double>(cap.count()));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return Duration(static_cast<int64_t>(full * (0.5 + 0.5 * jitter)));
}

}  // namespace tierd
