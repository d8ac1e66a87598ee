// Where the wall-clock time of a tier stay went, so that an escalation four
// days after a ticket came in explains itself: the handling time the budget
// counted, the open hours the clock was paused (pending, on-hold), and the
// time the tier's calendar was closed (nights, weekends, holidays).
//
// Pure; any thread may call these.
#pragma once

#include <date/date.h>

#include <set>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/time.h"
#include "reports/local_time.h"

namespace tierd {

// What a replay knows of a stay while it runs.
struct StayWait {
  std::string tier;
  Instant entered{};                     // when the stay began
  std::set<std::string> pause_statuses;  // the statuses the clock stood still in
};

// The stay's wall-clock time, split.
struct WaitFacts {
  std::string tier;
  Instant entered{};
  Duration wall{};    // entered .. the decision
  Duration paused{};  // open hours the clock did not count
  Duration closed{};  // hours the tier's calendar was closed
  std::set<std::string> pause_statuses;
  std::vector<date::sys_days> holidays;  // within the stay
};

// The facts of `stay` up to `at`, when `used` of handling time was counted.
// `calendar` null means always open.
WaitFacts measure_wait(const StayWait& stay, Instant at, Duration used,
                       const WorkCalendar* calendar);

// Whether anything stretched the wait by a minute or more.
bool stretched(const WaitFacts& facts);

// "4d 15h since tier2 began Fri 17:20: 2h paused (pending); 3d 23h closed
// (outside opening hours; holiday Mon 2026-04-27)".
std::string describe_wait(const WaitFacts& facts, const LocalTime& local);

}  // namespace tierd
