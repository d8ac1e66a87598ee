// Reader for the "calendars" section: time zone, weekly open hours and
// holidays, checked for syntax and consistency. The working-time maths built
// on top of it lives in the calendar module.
#include <date/tz.h>

#include <algorithm>
#include <exception>

#include "config/config_sections.h"

namespace tierd::config_detail {
namespace {

// Weekday keys in config order; the value is the index used by
// CalendarSpec::weekly (0 = Sunday).
constexpr std::pair<std::string_view, int> kDays[] = {
    {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}, {"sun", 0}};

bool two_digits(std::string_view s, size_t pos, int& out) {
  if (pos + 2 > s.size() || s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') {
    return false;
  }
  out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// "HH:MM" at `pos` as minutes since midnight; 24:00 only when allow_24.
std::optional<int> clock_minutes(std::string_view s, size_t pos, bool allow_24) {
  int h = 0, m = 0;
  if (!two_digits(s, pos, h) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !two_digits(s, pos + 3, m)) {
    return std::nullopt;
  }
  if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24))) return std::nullopt;
  return h * 60 + m;
}

std::optional<date::sys_days> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y_hi = 0, y_lo = 0, mo = 0, d = 0;
  if (!two_digits(s, 0, y_hi) || !two_digits(s, 2, y_lo) || !two_digits(s, 5, mo) ||
      !two_digits(s, 8, d)) {
    return std::nullopt;
  }
  date::year_month_day ymd{date::year{y_hi * 100 + y_lo}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd};
}

// YYYY-MM-DD digits and dashes, whether or not the day exists.
bool date_shaped(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int ignored = 0;
  return two_digits(s, 0, ignored) && two_digits(s, 2, ignored) && two_digits(s, 5, ignored) &&
         two_digits(s, 8, ignored);
}

void read_day(const json& value, const std::string& path, std::vector<TimeOfDayInterval>& out,
              ConfigProblems& problems) {
  if (!value.is_array()) {
    problems.add(path,
                 "expected an array of intervals like [\"09:00-17:00\"], got " + describe(value));
    return;
  }
  struct Parsed {
    TimeOfDayInterval interval;
    size_t index;
  };
  std::vector<Parsed> parsed;
  for (size_t i = 0; i < value.size(); ++i) {
    const json& element = value[i];
    std::string element_path = index_path(path, i);
    const std::string* text =
        element.is_string() ? &element.get_ref<const std::string&>() : nullptr;
    std::optional<int> start, end;
    if (text != nullptr && text->size() == 11 && (*text)[5] == '-') {
      start = clock_minutes(*text, 0, false);
      end = clock_minutes(*text, 6, true);
    }
    if (!start || !end) {
      problems.add(element_path,
                   "expected an interval like \"09:00-17:00\" (HH:MM-HH:MM, "
                   "\"00:00-24:00\" for all day), got " +
                       describe(element));
      continue;
    }
    if (*start >= *end) {
      problems.add(element_path, "the interval ends before it starts: " + describe(element));
      continue;
    }
    parsed.push_back({{*start, *end}, i});
  }
  std::sort(parsed.begin(), parsed.end(), [](const Parsed& a, const Parsed& b) {
    return a.interval.start_minute < b.interval.start_minute;
  });
  for (size_t i = 1; i < parsed.size(); ++i) {
    const auto& earlier = parsed[i - 1];
    const auto& later = parsed[i];
    if (later.interval.start_minute < earlier.interval.end_minute) {
      size_t reported = std::max(earlier.index, later.index);
      size_t other = std::min(earlier.index, later.index);
      problems.add(index_path(path, reported),
                   describe(value[reported]) + " overlaps " + describe(value[other]));
    }
  }
  for (const auto& p : parsed) out.push_back(p.interval);
}

void read_holidays(const json* value, const std::string& path, CalendarSpec& calendar,
                   ConfigProblems& problems) {
  if (value == nullptr) return;
  if (!value->is_array()) {
    problems.add(path,
                 "expected an array of dates like [\"2026-12-25\", "
                 "\"2026-12-24..2026-12-26\"], got " +
                     describe(*value));
    return;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    const json& element = (*value)[i];
    std::string element_path = index_path(path, i);
    const std::string* text =
        element.is_string() ? &element.get_ref<const std::string&>() : nullptr;
    std::optional<date::sys_days> first, last;
    if (text != nullptr) {
      size_t dots = text->find("..");
      if (dots == std::string::npos) {
        first = last = parse_date(*text);
      } else {
        first = parse_date(std::string_view(*text).substr(0, dots));
        last = parse_date(std::string_view(*text).substr(dots + 2));
      }
    }
    if (text != nullptr && (!first || !last)) {
      // Right shape, impossible day ("2026-04-31", "2026-02-29"): say that,
      // not that the format is wrong.
      size_t dots = text->find("..");
      std::vector<std::string_view> parts{std::string_view(*text).substr(0, dots)};
      if (dots != std::string::npos) parts.push_back(std::string_view(*text).substr(dots + 2));
      std::string_view impossible;
      for (auto part : parts) {
        if (!parse_date(part) && date_shaped(part)) impossible = part;
      }
      if (!impossible.empty()) {
        problems.add(element_path, "\"" + std::string(impossible) +
                                       "\" has the form YYYY-MM-DD but no such "
                                       "day exists");
        continue;
      }
    }
    if (!first || !last) {
      problems.add(element_path,
                   "expected a date \"YYYY-MM-DD\" or a range "
                   "\"YYYY-MM-DD..YYYY-MM-DD\", got " +
                       describe(element));
      continue;
    }
    if (*last < *first) {
      problems.add(element_path, "the range ends before it starts: " + describe(element));
      continue;
    }
    calendar.holidays.emplace_back(*first, *last);
  }
  std::sort(calendar.holidays.begin(), calendar.holidays.end());
}

void read_timezone(ObjectReader& r, CalendarSpec& calendar) {
  read_zone_name(r, "timezone", calendar.timezone, true);
}

CalendarSpec read_calendar(ObjectReader& r) {
  CalendarSpec calendar;
  read_timezone(r, calendar);
  // Compared once the hours' unknown keys are reported too: a misspelt day
  // explains a closed week better than "no open hours" does.
  bool hours_read = false;
  size_t problems_before = 0;
  r.read_object(
      "hours",
      [&](ObjectReader& h) {
        hours_read = h.is_object();
        problems_before = r.problems().size();
        for (const auto& [day, index] : kDays) {
          if (const json* intervals = h.get(day)) {
            read_day(*intervals, h.path_of(day), calendar.weekly[index], r.problems());
          }
        }
      },
      /*required=*/true);
  bool any_open = std::any_of(calendar.weekly.begin(), calendar.weekly.end(),
                              [](const auto& day) { return !day.empty(); });
  if (hours_read && !any_open && r.problems().size() == problems_before) {
    r.problems().add(r.path_of("hours"), "no open hours on any day; the clock would never run");
  }
  read_holidays(r.get("holidays"), r.path_of("holidays"), calendar, r.problems());
  return calendar;
}

}  // namespace

bool read_zone_name(ObjectReader& r, std::string_view key, std::string& out, bool required) {
  if (!r.read_string(key, out, required)) return false;
  try {
    date::locate_zone(out);
    return true;
  } catch (const std::exception&) {
    r.problems().add(r.path_of(key), "unknown time zone \"" + out +
                                         "\" (expected an IANA name like \"Europe/Amsterdam\")");
    return false;
  }
}

void read_calendars(ObjectReader& root, Config& config) {
  root.read_named("calendars", [&](ObjectReader& calendars, const std::string& name) {
    calendars.read_object(name,
                          [&](ObjectReader& r) { config.calendars[name] = read_calendar(r); });
  });
}

}  // namespace tierd::config_detail
