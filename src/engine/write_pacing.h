// Pacing for requests to the helpdesk API: token buckets that keep tierd
// under its share of the vendor's limits, the account-wide budget that
// follows the limit the helpdesk reports (AccountBudget, and AccountPacer,
// the RequestPacer every API client of the account shares), a per-ticket
// window (Zendesk allows 30 updates of one ticket per 10 minutes), the
// back-off schedule for retries, and when to ask for the status of bulk
// jobs in flight.
//
// Everything but AccountPacer is pure: each function takes the current
// time; no clock reads, no sleeping; not thread-safe (the owner serialises
// calls). AccountPacer reads the steady clock, blocks its caller briefly,
// and is safe to call from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/ticket.h"
#include "core/time.h"
#include "helpdesk/request_pacer.h"

namespace tierd {

// A bucket of `capacity` tokens refilled at `per_minute` tokens per minute.
class TokenBucket {
 public:
  TokenBucket(double per_minute, double capacity);
  // How long to wait from `now` before `take()` can succeed (0 when it can now).
  Duration wait_time(Instant now);
  // Takes one token if available; false otherwise.
  bool take(Instant now);
  // A new rate and capacity from `now` on; tokens above the new capacity go,
  // and with `fill` the bucket starts full.
  void set_rate(Instant now, double per_minute, double capacity, bool fill = false);
  // At most `tokens` left from `now` on (never below zero).
  void limit_to(Instant now, double tokens);
  double per_minute() const { return per_ms_ * 60000.0; }

 private:
  void refill(Instant now);
  double per_ms_;
  double capacity_;
  double tokens_;
  Instant last_{};
};

// At most `limit` writes per ticket in any `window`.
class TicketWindow {
 public:
  TicketWindow(int limit, Duration window) : limit_(limit), window_(window) {}
  Duration wait_time(TicketId ticket, Instant now);
  void record(TicketId ticket, Instant now);

 private:
  int limit_;
  Duration window_;
  std::unordered_map<TicketId, std::deque<Instant>> sent_;
};

// The burst the account budget allows once it knows the limit, in seconds of
// its rate: ten seconds' worth plus a minute's share stays under the limit.
inline constexpr double kAccountBurstSeconds = 10.0;

// The account-wide request budget: `share` of the account's limit per
// minute, with a burst of kAccountBurstSeconds' worth. Until the helpdesk reports the
// limit, `assumed_per_minute` stands in for it and there is no burst, so that
// the first answers reveal the real limit before tierd leans on it (Zendesk
// plans allow 200, 400, 700 or 2500 requests a minute). An answer saying how
// many requests the window has left keeps tierd to its share of those: the
// rest of the window belongs to the account's other users, and when nothing
// of tierd's share is left, requests wait for the window to reset. A 429, or
// an endpoint limit used up, holds every request until the helpdesk said.
class AccountBudget {
 public:
  AccountBudget(double share, double assumed_per_minute);
  // How long to wait from `now` before a request may go (0: at once).
  Duration wait_time(Instant now);
  // Takes the budget of one request if it may go now; false otherwise.
  bool take(Instant now);
  void observe(const RateLimitReport& report, Instant now);
  // The account's limit as last reported; nullopt before any report.
  std::optional<int> reported_limit() const { return limit_; }
  double per_minute() const { return bucket_.per_minute(); }
  // A new share of the account's limit (replicas: each one's part of
  // tierd's share, in proportion to the shards it owns), from `now` on.
  void set_share(double share, Instant now);

 private:
  double limit_or_assumed() const;

  double share_;
  double assumed_;
  std::optional<int> limit_;
  TokenBucket bucket_;
  Instant hold_until_{};
};

// AccountBudget behind RequestPacer, for every API client of one account.
// before_request() waits for the budget itself when that takes at most
// `max_block`, and otherwise refuses with the wait as retry_after, so that a
// long hold (a 429) is waited out by the caller's own interruptible sleep.
class AccountPacer final : public RequestPacer {
 public:
  AccountPacer(double share, double assumed_per_minute,
               Duration max_block = std::chrono::seconds(2));
  Status before_request() override;
  Duration wait_time() override;
  void after_answer(const RateLimitReport& report) override;
  std::optional<int> reported_limit() const;
  // See AccountBudget::set_share(); safe from any thread.
  void set_share(double share);

 private:
  static Instant now();

  const Duration max_block_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a report may have shortened the wait
  AccountBudget budget_;             // guarded by mutex_
};

// When to ask for the status of the bulk jobs in flight: `first` after a job
// is submitted while none is waiting, then at doubling intervals up to `cap`
// while no job has finished, and `first` again after a poll that found one
// finished. Polls cost requests from the same budget as the jobs themselves,
// so fewer, later polls that each find several jobs done leave more of it
// for writing.
class JobPollSchedule {
 public:
  JobPollSchedule(Duration first, Duration cap) : first_(first), cap_(cap), interval_(first) {}
  void submitted(Instant now);
  // After a poll: whether it found a job finished, and whether any is left.
  void polled(Instant now, bool any_finished, bool any_left);
  // The next poll; nullopt when no job is in flight.
  std::optional<Instant> next() const { return next_; }

 private:
  Duration first_;
  Duration cap_;
  Duration interval_;
  std::optional<Instant> next_;
};

// Exponential back-off with jitter for the `attempt`-th retry (1-based):
// base * 2^(attempt-1), capped at `cap`, then scaled into [50%, 100%] by
// `jitter` in [0, 1) so that many writers do not retry in lockstep.
Duration backoff_delay(int attempt, Duration base, Duration cap, double jitter);

}  // namespace tierd
