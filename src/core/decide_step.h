// Step: the state one decide() call threads through its steps, and the few
// helpers every step uses. Private to the files of src/core that implement
// decide() (listed in decide_steps.h); nothing else includes it, and the
// public API stays in decide.h.
//
// A Step is built by decide() on its stack and lives for that one call: the
// steps read the policy, roster and `now`, change the ticket state `s` (which
// is `d.state`) and append to the decision `d`. Like decide() itself, nothing
// here does I/O or reads a clock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/decide.h"

namespace tierd::decide_detail {

using nlohmann::json;

// State shared by the steps of one decision.
struct Step {
  const Policy& policy;
  const Roster& roster;
  Instant now;
  Decision& d;
  TicketState& s;

  void audit(std::string kind, json detail) {
    d.audit.push_back({std::move(kind), std::move(detail)});
  }
  const TierPolicy* tier() const { return policy.tier_at(s.stay.tier); }
};

// `share` of `budget`, rounded down to whole milliseconds.
inline Duration share_of(Duration budget, double share) {
  return Duration(static_cast<int64_t>(static_cast<double>(budget.count()) * share));
}

// Working time from `from` to `to` on `calendar` (null: always open).
inline Duration working_time(const WorkCalendar* calendar, Instant from, Instant to) {
  if (to <= from) return Duration(0);
  return calendar ? calendar->working_time(from, to) : to - from;
}

// Starts or pauses a stay's clock (`used` banked, counting since
// `running_since`) to match `run`, as of `at`: a start counts from `at` but
// not before the stay began, a pause banks `reading(pause_at)`, the time
// the clock shows then. Returns the instant it started or paused at, for
// the audit trail; nullopt when it already matched.
template <typename Reading>
std::optional<Instant> switch_clock(bool run, Duration& used, std::optional<Instant>& running_since,
                                    Instant entered_at, Instant at, Reading reading) {
  if (run && !running_since) {
    running_since = std::max(at, entered_at);
    return running_since;
  }
  if (!run && running_since) {
    Instant pause_at = std::max(at, *running_since);
    used = reading(pause_at);
    running_since.reset();
    return pause_at;
  }
  return std::nullopt;
}

// A write that moves the ticket to another group is on its way: the clocks
// wait for it to land and no other move is asked for meanwhile.
inline bool moving(const TicketState& s) {
  return s.has_pending("escalate") || s.has_pending("deescalate") || s.has_pending("forward") ||
         s.has_pending("review_escalate") || s.has_pending("go_live");
}

inline void add_unique(std::vector<std::string>& v, const std::string& tag) {
  if (std::find(v.begin(), v.end(), tag) == v.end()) v.push_back(tag);
}

}  // namespace tierd::decide_detail
