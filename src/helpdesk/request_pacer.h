// RequestPacer: the one budget every request to the helpdesk account draws
// from, whoever sends it (the writer, its marker checks and re-reads, the
// reconciler, the availability refresher, `tierd setup`). An API client
// asks it before each request and tells it what each answer said about the
// account's limits, so the budget follows the account's real limit rather
// than an assumed one.
//
// Implementations are shared by every client of one account and are safe to
// call from any thread. engine/write_pacing.h has tierd's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace tierd {

// What one answer said about the account's request limits; what it did not
// say is nullopt.
struct RateLimitReport {
  std::optional<int> limit;       // requests per minute the account may make
  std::optional<int> remaining;   // of those, left in the current window
  std::optional<Duration> reset;  // until the window lets requests through again
  bool refused = false;           // the answer was "too many requests" (429)
  std::optional<Duration> retry_after;
  // An endpoint's own limit that is used up (no request left), and when it
  // resets.
  std::optional<Duration> endpoint_exhausted_for;
};

class RequestPacer {
 public:
  virtual ~RequestPacer() = default;
  // Called before every request. OK when the request may go (it took its
  // share of the budget, after a short wait at most). ResourceExhausted,
  // with retry_after, when it would have to wait longer: the caller treats
  // that as the helpdesk's own 429, although nothing was sent.
  virtual Status before_request() = 0;
  // How long a request would wait now; zero when it may go at once.
  virtual Duration wait_time() = 0;
  // Called after every answer (or refusal) with what it said.
  virtual void after_answer(const RateLimitReport& report) = 0;
};

}  // namespace tierd
