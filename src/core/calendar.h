// Business-hours calendars: how much *working* time lies between two instants,
// and when a working-time budget runs out.
//
// A calendar is a time zone, weekly opening hours per local weekday and
// holidays (local dates, closed all day). An instant is open when its local
// wall time in the calendar's zone falls inside one of the intervals of its
// local weekday and its local date is not a holiday. Everything follows from
// that rule, including daylight-saving days:
//   - the skipped hour of a spring-forward day never occurs, so 02:00-03:00 on
//     that day is empty and 01:00-04:00 lasts 2 hours;
//   - the repeated hour of a fall-back day occurs twice, so 01:00-04:00 lasts
//     4 hours and 00:00-24:00 lasts 25 hours.
// Touching intervals (09:00-12:00, 12:00-17:00) and a day open until 24:00
// followed by a day open from 00:00 behave like one interval.
//
// Range: calendar maths covers instants from 1900-01-01 to 2200-01-01 UTC;
// outside it a calendar counts as closed, so a deadline that would fall after
// it is Instant::max(). always_open() has no range. Offsets come from the
// system tz database through Howard Hinnant's date/tz, read once at
// construction; that library does not extend daylight-saving rules past the
// last transition in the zone file (2037), so later years keep the last
// offset.
//
// Ownership and threads: a WorkCalendar is immutable after construction and
// safe to call from any thread; copies share the precomputed tables.
#pragma once

#include <date/date.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace tierd {

// [start_minute, end_minute) within a local day; 0 <= start < end <= 1440.
struct TimeOfDayInterval {
  int start_minute = 0;
  int end_minute = 0;
  bool operator==(const TimeOfDayInterval&) const = default;
};

struct CalendarSpec {
  std::string timezone;                                  // IANA name, e.g. "Europe/Amsterdam"
  std::array<std::vector<TimeOfDayInterval>, 7> weekly;  // index 0 = Sunday; empty = closed
  // Inclusive ranges of local dates (first, last); a single day has first == last.
  std::vector<std::pair<date::sys_days, date::sys_days>> holidays;
};

class WorkCalendar {
 public:
  // Validates and precomputes. Returns InvalidArgument naming the problem for
  // an unknown zone, out-of-range minutes, an empty or inverted interval,
  // overlapping intervals on one weekday, or a holiday range that ends before
  // it starts. A spec without any open hour is valid: such a calendar never
  // opens (working_time is always 0, deadline_after gives Instant::max()).
  static Result<WorkCalendar> create(const CalendarSpec& spec);

  // Open around the clock, no zone: working time equals wall time.
  static WorkCalendar always_open();

  // Open time in [from, to); 0 if to <= from.
  Duration working_time(Instant from, Instant to) const;

  // The earliest instant t with working_time(start, t) == budget. A budget
  // <= 0 gives start itself. Otherwise the result is the end of open time: a
  // budget that runs out exactly at closing time gives the closing instant,
  // never the next opening. Instant::max() if the calendar never opens or the
  // deadline lies beyond the supported range.
  Instant deadline_after(Instant start, Duration budget) const;

  bool is_open(Instant t) const;

  // t itself if open, else the next instant at which the calendar opens;
  // nullopt if it never opens again within the supported range.
  std::optional<Instant> next_open(Instant t) const;

  // The IANA zone name; "UTC" for always_open().
  const std::string& timezone() const;

  // The holidays whose local date lies between the local dates of `from`
  // and `to` (inclusive), in order: what closed a stretch of time, for
  // explanations. Empty for always_open() or outside the supported range.
  std::vector<date::sys_days> holidays_between(Instant from, Instant to) const;

  // The last holiday listed; nullopt when none is. Past it the calendar
  // knows only weekly hours, which an admin should hear about before then.
  std::optional<date::sys_days> last_holiday() const;

 private:
  struct Tables;
  explicit WorkCalendar(std::shared_ptr<const Tables> tables) : tables_(std::move(tables)) {}

  std::shared_ptr<const Tables> tables_;  // null means always open
};

// Builds a spec from config text, for config validation:
//   timezone  "Europe/Amsterdam"
//   hours     {"mon": ["09:00-12:30", "13:30-17:00"], "sat": []}; keys "mon".."sun"
//             (any case), intervals "HH:MM-HH:MM" with 24:00 allowed as an end;
//             missing days are closed
//   holidays  "2026-12-25" or "2026-12-24..2026-12-26" (inclusive)
// Returns the spec, already checked by WorkCalendar::create, or
// InvalidArgument with a message that quotes the offending text and says
// what was expected. Hours that leave every day closed are rejected here,
// because a deadline on such a calendar never comes.
Result<CalendarSpec> parse_calendar_spec(
    std::string timezone, const std::map<std::string, std::vector<std::string>>& hours,
    const std::vector<std::string>& holidays);

}  // namespace tierd
