// Pacing for writes to the helpdesk API: token buckets that keep tierd under
// its share of the vendor's limits, a per-ticket window (Zendesk allows 30
// updates of one ticket per 10 minutes), and the back-off schedule for
// retries. Pure: every function takes the current time; no clock reads, no
// sleeping. Not thread-safe; the OutboxSender owns its instances.
#pragma once

#include <deque>
#include <unordered_map>

#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

// A bucket of `capacity` tokens refilled at `per_minute` tokens per minute.
class TokenBucket {
 public:
  TokenBucket(double per_minute, double capacity);
  // How long to wait from `now` before `take()` can succeed (0 when it can now).
  Duration wait_time(Instant now);
  // Takes one token if available; false otherwise.
  bool take(Instant now);

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

// Exponential back-off with jitter for the `attempt`-th retry (1-based):
// base * 2^(attempt-1), capped at `cap`, then scaled into [50%, 100%] by
// `jitter` in [0, 1) so that many writers do not retry in lockstep.
Duration backoff_delay(int attempt, Duration base, Duration cap, double jitter);

}  // namespace tierd
