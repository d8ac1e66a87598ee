#include "core/calendar.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <string_view>

namespace tierd {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int kMinutesPerDay = 1440;
constexpr std::array<const char*, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// The supported range, in UTC milliseconds: 1900-01-01 and 2200-01-01.
constexpr int64_t kRangeBeginMs = -2'208'988'800'000;
constexpr int64_t kRangeEndMs = 7'258'118'400'000;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Day 0 (1970-01-01) was a Thursday; index 0 = Sunday like CalendarSpec.
int weekday_of(int64_t day) {
  return static_cast<int>(((day + 4) % 7 + 7) % 7);
}

std::string format_minute(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string format_interval(const TimeOfDayInterval& iv) {
  return format_minute(iv.start_minute) + "-" + format_minute(iv.end_minute);
}

std::string format_day(date::sys_days d) {
  date::year_month_day ymd(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

struct WorkCalendar::Tables {
  // A stretch of UTC time with one UTC offset: [begin_ms, end_ms).
  struct OffsetSegment {
    int64_t begin_ms;
    int64_t end_ms;
    int64_t offset_ms;
  };
  // An open stretch of a local day, in milliseconds since local midnight.
  struct DayInterval {
    int64_t begin_ms;
    int64_t end_ms;
  };
  // Inclusive range of local day numbers (days since 1970-01-01).
  struct HolidayRange {
    int64_t first_day;
    int64_t last_day;
  };

  std::string timezone;
  std::array<std::vector<DayInterval>, 7> weekly;  // sorted, touching ones merged
  std::vector<HolidayRange> holidays;              // sorted, overlapping ones merged
  std::vector<OffsetSegment> segments;             // contiguous over the supported range
  bool ever_open = false;

  // The segment holding utc_ms, which must lie in the supported range.
  size_t segment_index(int64_t utc_ms) const {
    auto it = std::upper_bound(segments.begin(), segments.end(), utc_ms,
                               [](int64_t t, const OffsetSegment& s) { return t < s.begin_ms; });
    return static_cast<size_t>(it - segments.begin()) - 1;
  }

  // The last day of the holiday range holding `day`; nullopt if it is no holiday.
  std::optional<int64_t> holiday_last_day(int64_t day) const {
    auto it = std::upper_bound(holidays.begin(), holidays.end(), day,
                               [](int64_t d, const HolidayRange& h) { return d < h.first_day; });
    if (it == holidays.begin()) return std::nullopt;
    --it;
    if (it->last_day >= day) return it->last_day;
    return std::nullopt;
  }

  // Finds the first open local interval [begin, end) (local milliseconds since
  // the local epoch) that ends after `local_ms` and begins before `limit_ms`.
  // `begin` may precede local_ms. Returns false if there is none.
  bool next_local_interval(int64_t local_ms, int64_t limit_ms, int64_t& begin, int64_t& end) const {
    int64_t day = floor_div(local_ms, kDayMs);
    while (day * kDayMs < limit_ms) {
      const auto& intervals = weekly[weekday_of(day)];
      if (intervals.empty()) {
        ++day;
        continue;
      }
      if (auto last = holiday_last_day(day)) {
        day = *last + 1;
        continue;
      }
      const int64_t midnight = day * kDayMs;
      for (const DayInterval& iv : intervals) {
        if (midnight + iv.end_ms > local_ms) {
          begin = midnight + iv.begin_ms;
          end = midnight + iv.end_ms;
          return begin < limit_ms;
        }
      }
      ++day;
    }
    return false;
  }
};

Result<WorkCalendar> WorkCalendar::create(const CalendarSpec& spec) {
  auto tables = std::make_shared<Tables>();
  tables->timezone = spec.timezone;

  for (size_t wd = 0; wd < 7; ++wd) {
    std::vector<TimeOfDayInterval> intervals = spec.weekly[wd];
    const std::string where = std::string("calendar: hours.") + kDayNames[wd] + ": ";
    for (const TimeOfDayInterval& iv : intervals) {
      if (iv.start_minute < 0 || iv.start_minute > kMinutesPerDay || iv.end_minute < 0 ||
          iv.end_minute > kMinutesPerDay) {
        return Status::InvalidArgument(where + "minutes " + std::to_string(iv.start_minute) + "-" +
                                       std::to_string(iv.end_minute) +
                                       " out of range; expected 0..1440 (00:00..24:00)");
      }
      if (iv.end_minute <= iv.start_minute) {
        return Status::InvalidArgument(where + format_interval(iv) +
                                       " is empty or ends before it starts");
      }
    }
    std::sort(intervals.begin(), intervals.end(),
              [](const TimeOfDayInterval& a, const TimeOfDayInterval& b) {
                return a.start_minute < b.start_minute;
              });
    auto& out = tables->weekly[wd];
    for (size_t i = 0; i < intervals.size(); ++i) {
      if (i > 0 && intervals[i].start_minute < intervals[i - 1].end_minute) {
        return Status::InvalidArgument(where + format_interval(intervals[i - 1]) + " and " +
                                       format_interval(intervals[i]) + " overlap");
      }
      const int64_t begin = intervals[i].start_minute * kMinuteMs;
      const int64_t end = intervals[i].end_minute * kMinuteMs;
      // Touching intervals are one stretch of open time.
      if (!out.empty() && out.back().end_ms == begin) {
        out.back().end_ms = end;
      } else {
        out.push_back({begin, end});
      }
      tables->ever_open = true;
    }
  }

  for (const auto& [first, last] : spec.holidays) {
    if (last < first) {
      return Status::InvalidArgument("calendar: holidays: range " + format_day(first) + ".." +
                                     format_day(last) + " ends before it starts");
    }
    tables->holidays.push_back({first.time_since_epoch().count(), last.time_since_epoch().count()});
  }
  std::sort(tables->holidays.begin(), tables->holidays.end(),
            [](const Tables::HolidayRange& a, const Tables::HolidayRange& b) {
              return a.first_day < b.first_day;
            });
  std::vector<Tables::HolidayRange> merged;
  for (const auto& h : tables->holidays) {
    if (!merged.empty() && h.first_day <= merged.back().last_day + 1) {
      merged.back().last_day = std::max(merged.back().last_day, h.last_day);
    } else {
      merged.push_back(h);
    }
  }
  tables->holidays = std::move(merged);

  // Resolve the zone once and flatten its offsets over the supported range,
  // so that queries never touch the tz database.
  try {
    const date::time_zone* zone = date::locate_zone(spec.timezone);
    using std::chrono::milliseconds;
    date::sys_seconds t{
        std::chrono::duration_cast<std::chrono::seconds>(milliseconds(kRangeBeginMs))};
    while (true) {
      const date::sys_info info = zone->get_info(t);
      const int64_t begin =
          std::max(kRangeBeginMs, date::floor<milliseconds>(info.begin).time_since_epoch().count());
      const int64_t end =
          std::min(kRangeEndMs, date::floor<milliseconds>(info.end).time_since_epoch().count());
      const int64_t offset = info.offset.count() * 1000;
      if (end <= begin || info.end <= t) {
        return Status::Internal("calendar: time zone \"" + spec.timezone +
                                "\": tz database returned a period that does not advance");
      }
      if (!tables->segments.empty() && tables->segments.back().offset_ms == offset) {
        tables->segments.back().end_ms = end;  // only the abbreviation or DST flag changed
      } else {
        tables->segments.push_back({begin, end, offset});
      }
      if (end >= kRangeEndMs) break;
      t = info.end;
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument("calendar: unknown time zone \"" + spec.timezone +
                                   "\"; expected an IANA name such as \"Europe/Amsterdam\" (" +
                                   e.what() + ")");
  }
  return WorkCalendar(std::move(tables));
}

WorkCalendar WorkCalendar::always_open() {
  return WorkCalendar(nullptr);
}

const std::string& WorkCalendar::timezone() const {
  static const std::string kUtc = "UTC";
  return tables_ ? tables_->timezone : kUtc;
}

std::vector<date::sys_days> WorkCalendar::holidays_between(Instant from, Instant to) const {
  std::vector<date::sys_days> out;
  if (!tables_ || to < from) return out;
  const Tables& t = *tables_;
  const int64_t utc_from = to_unix_ms(from);
  const int64_t utc_to = to_unix_ms(to);
  if (utc_from < kRangeBeginMs || utc_to >= kRangeEndMs) return out;
  const int64_t first =
      floor_div(utc_from + t.segments[t.segment_index(utc_from)].offset_ms, kDayMs);
  const int64_t last = floor_div(utc_to + t.segments[t.segment_index(utc_to)].offset_ms, kDayMs);
  for (const auto& h : t.holidays) {
    for (int64_t day = std::max(h.first_day, first); day <= std::min(h.last_day, last); ++day) {
      out.push_back(date::sys_days(date::days(day)));
    }
  }
  return out;
}

std::optional<date::sys_days> WorkCalendar::last_holiday() const {
  if (!tables_ || tables_->holidays.empty()) return std::nullopt;
  return date::sys_days(date::days(tables_->holidays.back().last_day));
}

Duration WorkCalendar::working_time(Instant from, Instant to) const {
  if (to <= from) return Duration::zero();
  const int64_t from_ms = to_unix_ms(from);
  const int64_t to_ms = to_unix_ms(to);
  if (!tables_) {
    int64_t diff;
    if (__builtin_sub_overflow(to_ms, from_ms, &diff)) return Duration::max();
    return Duration(diff);
  }
  const Tables& t = *tables_;
  if (!t.ever_open) return Duration::zero();
  int64_t utc = std::max(from_ms, kRangeBeginMs);
  const int64_t utc_end = std::min(to_ms, kRangeEndMs);
  if (utc >= utc_end) return Duration::zero();

  int64_t total = 0;
  for (size_t si = t.segment_index(utc); utc < utc_end; ++si) {
    const Tables::OffsetSegment& seg = t.segments[si];
    const int64_t stop = std::min(seg.end_ms, utc_end);
    int64_t local = utc + seg.offset_ms;
    const int64_t limit = stop + seg.offset_ms;
    int64_t begin, end;
    while (t.next_local_interval(local, limit, begin, end)) {
      total += std::min(end, limit) - std::max(begin, local);
      if (end >= limit) break;
      local = end;
    }
    utc = stop;
  }
  return Duration(total);
}

Instant WorkCalendar::deadline_after(Instant start, Duration budget) const {
  if (budget <= Duration::zero()) return start;
  const int64_t start_ms = to_unix_ms(start);
  if (!tables_) {
    int64_t sum;
    if (__builtin_add_overflow(start_ms, budget.count(), &sum)) return Instant::max();
    return from_unix_ms(sum);
  }
  const Tables& t = *tables_;
  if (!t.ever_open || start_ms >= kRangeEndMs) return Instant::max();

  int64_t remaining = budget.count();
  int64_t utc = std::max(start_ms, kRangeBeginMs);
  for (size_t si = t.segment_index(utc); si < t.segments.size(); ++si) {
    const Tables::OffsetSegment& seg = t.segments[si];
    int64_t local = utc + seg.offset_ms;
    const int64_t limit = seg.end_ms + seg.offset_ms;
    int64_t begin, end;
    while (t.next_local_interval(local, limit, begin, end)) {
      const int64_t lo = std::max(begin, local);
      const int64_t hi = std::min(end, limit);
      if (hi - lo >= remaining) return from_unix_ms(lo + remaining - seg.offset_ms);
      remaining -= hi - lo;
      if (end >= limit) break;
      local = end;
    }
    utc = seg.end_ms;
  }
  return Instant::max();
}

bool WorkCalendar::is_open(Instant instant) const {
  if (!tables_) return true;
  const Tables& t = *tables_;
  const int64_t utc = to_unix_ms(instant);
  if (!t.ever_open || utc < kRangeBeginMs || utc >= kRangeEndMs) return false;
  const Tables::OffsetSegment& seg = t.segments[t.segment_index(utc)];
  const int64_t local = utc + seg.offset_ms;
  int64_t begin, end;
  return t.next_local_interval(local, local + 1, begin, end) && begin <= local;
}

std::optional<Instant> WorkCalendar::next_open(Instant instant) const {
  if (!tables_) return instant;
  const Tables& t = *tables_;
  const int64_t start_ms = to_unix_ms(instant);
  if (!t.ever_open || start_ms >= kRangeEndMs) return std::nullopt;

  int64_t utc = std::max(start_ms, kRangeBeginMs);
  for (size_t si = t.segment_index(utc); si < t.segments.size(); ++si) {
    const Tables::OffsetSegment& seg = t.segments[si];
    int64_t local = utc + seg.offset_ms;
    const int64_t limit = seg.end_ms + seg.offset_ms;
    int64_t begin, end;
    while (t.next_local_interval(local, limit, begin, end)) {
      const int64_t lo = std::max(begin, local);
      // A stretch can be empty here when the zone skips the local hours it covers.
      if (std::min(end, limit) > lo) return from_unix_ms(lo - seg.offset_ms);
      if (end >= limit) break;
      local = end;
    }
    utc = seg.end_ms;
  }
  return std::nullopt;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// "HH:MM" -> minutes since midnight, 0..1440; nullopt if malformed or out of range.
std::optional<int> parse_time_of_day(std::string_view s) {
  if (s.size() != 5 || s[2] != ':' || !all_digits(s.substr(0, 2)) || !all_digits(s.substr(3, 2))) {
    return std::nullopt;
  }
  const int h = to_int(s.substr(0, 2));
  const int m = to_int(s.substr(3, 2));
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

// "YYYY-MM-DD" -> a valid calendar date; nullopt otherwise.
std::optional<date::sys_days> parse_local_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s.substr(0, 4)) ||
      !all_digits(s.substr(5, 2)) || !all_digits(s.substr(8, 2))) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{to_int(s.substr(0, 4))},
                                 date::month{static_cast<unsigned>(to_int(s.substr(5, 2)))},
                                 date::day{static_cast<unsigned>(to_int(s.substr(8, 2)))}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd);
}

Result<TimeOfDayInterval> parse_interval(const std::string& where, std::string_view text) {
  const std::string quoted = "\"" + std::string(text.substr(0, 64)) + "\"";
  const std::string_view s = trim(text);
  const size_t dash = s.find('-');
  if (dash == std::string_view::npos) {
    return Status::InvalidArgument(
        where + ": expected \"HH:MM-HH:MM\" such as \"09:00-17:00\", got " + quoted);
  }
  const std::string_view start_text = trim(s.substr(0, dash));
  const std::string_view end_text = trim(s.substr(dash + 1));
  const auto start = parse_time_of_day(start_text);
  const auto end = parse_time_of_day(end_text);
  if (!start || !end) {
    const bool shape_ok = start_text.size() == 5 && end_text.size() == 5 && start_text[2] == ':' &&
                          end_text[2] == ':';
    if (shape_ok) {
      return Status::InvalidArgument(where + ": " + quoted +
                                     " has a time outside 00:00..24:00 (24:00 only as an end)");
    }
    return Status::InvalidArgument(
        where + ": expected \"HH:MM-HH:MM\" such as \"09:00-17:00\", got " + quoted);
  }
  if (*end == *start) {
    return Status::InvalidArgument(where + ": " + quoted +
                                   " is empty; remove it or give it a later end");
  }
  if (*end < *start) {
    return Status::InvalidArgument(
        where + ": " + quoted +
        " ends before it starts; split a shift that runs past midnight into \"" +
        std::string(start_text) + "-24:00\" on this day and \"00:00-" + std::string(end_text) +
        "\" on the next");
  }
  return TimeOfDayInterval{*start, *end};
}

Result<std::pair<date::sys_days, date::sys_days>> parse_holiday(const std::string& where,
                                                                std::string_view text) {
  const std::string quoted = "\"" + std::string(text.substr(0, 64)) + "\"";
  const std::string_view s = trim(text);
  const size_t dots = s.find("..");
  const std::string_view first_text = trim(s.substr(0, dots));
  const std::string_view last_text =
      dots == std::string_view::npos ? first_text : trim(s.substr(dots + 2));
  const auto first = parse_local_date(first_text);
  const auto last = parse_local_date(last_text);
  if (!first || !last) {
    return Status::InvalidArgument(
        where +
        ": expected a date \"YYYY-MM-DD\" or a range \"YYYY-MM-DD..YYYY-MM-DD\" of real "
        "calendar dates, got " +
        quoted);
  }
  if (*last < *first) {
    return Status::InvalidArgument(where + ": " + quoted +
                                   " ends before it starts; write the earlier date first");
  }
  return std::make_pair(*first, *last);
}

}  // namespace

Result<CalendarSpec> parse_calendar_spec(
    std::string timezone, const std::map<std::string, std::vector<std::string>>& hours,
    const std::vector<std::string>& holidays) {
  CalendarSpec spec;
  spec.timezone = std::move(timezone);
  std::array<std::string, 7> seen_keys;
  bool any_hours = false;
  for (const auto& [key, intervals] : hours) {
    std::string day = key;
    std::transform(day.begin(), day.end(), day.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto it = std::find(kDayNames.begin(), kDayNames.end(), day);
    if (it == kDayNames.end()) {
      return Status::InvalidArgument("calendar: hours: unknown day \"" + key.substr(0, 32) +
                                     "\"; expected one of mon, tue, wed, thu, fri, sat, sun");
    }
    const size_t wd = static_cast<size_t>(it - kDayNames.begin());
    if (!seen_keys[wd].empty()) {
      return Status::InvalidArgument("calendar: hours: \"" + seen_keys[wd] + "\" and \"" + key +
                                     "\" name the same day; keep one");
    }
    seen_keys[wd] = key;
    for (size_t i = 0; i < intervals.size(); ++i) {
      auto iv =
          parse_interval("calendar: hours." + day + "[" + std::to_string(i) + "]", intervals[i]);
      if (!iv.ok()) return iv.status();
      spec.weekly[wd].push_back(*iv);
      any_hours = true;
    }
  }
  if (!any_hours) {
    return Status::InvalidArgument(
        "calendar: hours: every day is closed, so a deadline on this calendar would never come; "
        "give at least one day opening hours such as \"mon\": [\"09:00-17:00\"]");
  }
  for (size_t i = 0; i < holidays.size(); ++i) {
    auto range = parse_holiday("calendar: holidays[" + std::to_string(i) + "]", holidays[i]);
    if (!range.ok()) return range.status();
    spec.holidays.push_back(*range);
  }
  // The remaining checks (zone, overlaps) are the calendar's own.
  auto calendar = WorkCalendar::create(spec);
  if (!calendar.ok()) return calendar.status();
  return spec;
}

}  // namespace tierd
