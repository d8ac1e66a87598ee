#include "engine/write_pacing.h"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

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

void TokenBucket::set_rate(Instant now, double per_minute, double capacity, bool fill) {
  refill(now);
  per_ms_ = per_minute / 60000.0;
  capacity_ = std::max(1.0, capacity);
  tokens_ = fill ? capacity_ : std::min(tokens_, capacity_);
}

void TokenBucket::limit_to(Instant now, double tokens) {
  refill(now);
  tokens_ = std::max(0.0, std::min(tokens_, tokens));
}

AccountBudget::AccountBudget(double share, double assumed_per_minute)
    : share_(std::clamp(share, 0.01, 1.0)),
      assumed_(std::max(1.0, assumed_per_minute)),
      bucket_(share_ * assumed_, 1.0) {}

void AccountBudget::set_share(double share, Instant now) {
  share_ = std::clamp(share, 0.01, 1.0);
  const double per_minute = share_ * limit_or_assumed();
  // The burst is allowed only once the limit is known, as in observe().
  const double capacity = limit_ ? per_minute * kAccountBurstSeconds / 60.0 : 1.0;
  bucket_.set_rate(now, per_minute, capacity, false);
}

double AccountBudget::limit_or_assumed() const {
  return limit_ ? static_cast<double>(*limit_) : assumed_;
}

Duration AccountBudget::wait_time(Instant now) {
  Duration hold = hold_until_ > now ? hold_until_ - now : Duration(0);
  return std::max(hold, bucket_.wait_time(now));
}

bool AccountBudget::take(Instant now) {
  if (hold_until_ > now) return false;
  return bucket_.take(now);
}

void AccountBudget::observe(const RateLimitReport& report, Instant now) {
  if (report.limit && report.limit != limit_) {
    // Known at last: the burst it allows is safe to use, minus what the
    // window has already spent (below).
    const bool first = !limit_;
    limit_ = report.limit;
    const double per_minute = share_ * *limit_;
    bucket_.set_rate(now, per_minute, per_minute * kAccountBurstSeconds / 60.0, first);
  }
  if (report.remaining) {
    // What the window has left beyond the share the account's other users
    // are owed is all tierd may still use of it.
    const double others = (1.0 - share_) * limit_or_assumed();
    const double usable = *report.remaining - others;
    if (usable < 1.0) {
      bucket_.limit_to(now, 0.0);
      hold_until_ = std::max(hold_until_, now + report.reset.value_or(std::chrono::seconds(1)));
    } else {
      bucket_.limit_to(now, usable);
    }
  }
  if (report.refused) {
    // Zendesk always sends Retry-After with a 429; a minute is its window.
    hold_until_ =
        std::max(hold_until_, now + report.retry_after.value_or(std::chrono::seconds(60)));
    bucket_.limit_to(now, 0.0);
  }
  if (report.endpoint_exhausted_for) {
    hold_until_ = std::max(hold_until_, now + *report.endpoint_exhausted_for);
  }
}

AccountPacer::AccountPacer(double share, double assumed_per_minute, Duration max_block)
    : max_block_(max_block), budget_(share, assumed_per_minute) {}

Instant AccountPacer::now() {
  // Pacing needs elapsed time only; the steady clock does not jump.
  return Instant(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

Status AccountPacer::before_request() {
  std::unique_lock lock(mutex_);
  while (true) {
    const Instant t = now();
    if (budget_.take(t)) return Status::Ok();
    const Duration wait = budget_.wait_time(t);
    if (wait > max_block_) {
      Status s(StatusCode::kResourceExhausted,
               "paced: the account's request budget is spent for " + format_duration(wait));
      s.set_retry_after(wait);
      return s;
    }
    changed_.wait_for(lock, std::max(wait, Duration(1)));
  }
}

Duration AccountPacer::wait_time() {
  std::lock_guard lock(mutex_);
  return budget_.wait_time(now());
}

void AccountPacer::set_share(double share) {
  {
    std::lock_guard lock(mutex_);
    budget_.set_share(share, now());
  }
  changed_.notify_all();
}

void AccountPacer::after_answer(const RateLimitReport& report) {
  std::optional<int> learned;
  double per_minute = 0;
  {
    std::lock_guard lock(mutex_);
    const auto before = budget_.reported_limit();
    budget_.observe(report, now());
    if (budget_.reported_limit() != before) {
      learned = budget_.reported_limit();
      per_minute = budget_.per_minute();
    }
  }
  changed_.notify_all();
  if (learned) {
    spdlog::info("event=rate_limit action=follow limit={} budget_per_minute={:.0f}", *learned,
                 per_minute);
  }
}

std::optional<int> AccountPacer::reported_limit() const {
  std::lock_guard lock(mutex_);
  return budget_.reported_limit();
}

void JobPollSchedule::submitted(Instant now) {
  if (!next_) {
    interval_ = first_;
    next_ = now + first_;
  }
}

void JobPollSchedule::polled(Instant now, bool any_finished, bool any_left) {
  if (!any_left) {
    next_.reset();
    interval_ = first_;
    return;
  }
  interval_ = any_finished ? first_ : std::min(interval_ * 2, cap_);
  next_ = now + interval_;
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

void TicketWindow::record(TicketId ticket, Instant now) {
  sent_[ticket].push_back(now);
}

Duration backoff_delay(int attempt, Duration base, Duration cap, double jitter) {
  attempt = std::clamp(attempt, 1, 30);
  double full = static_cast<double>(base.count()) * std::pow(2.0, attempt - 1);
  full = std::min(full, static_cast<double>(cap.count()));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return Duration(static_cast<int64_t>(full * (0.5 + 0.5 * jitter)));
}

}  // namespace tierd
