#include "reports/report_window.h"

#include <charconv>
#include <exception>

#include <date/tz.h>

namespace tierd {
namespace {

// "YYYY-MM-DD" with an optional "THH:MM[:SS]" (or a space for the T), as
// local time; nullopt for anything else.
std::optional<date::local_seconds> parse_local(std::string_view s) {
  auto number = [&](size_t at, size_t len, int& out) {
    if (at + len > s.size()) return false;
    const char* first = s.data() + at;
    auto [end, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc() && end == first + len;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !number(0, 4, y) || !number(5, 2, mo) ||
      !number(8, 2, d)) {
    return std::nullopt;
  }
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != ' ') || s.size() < 16 || s[13] != ':' || !number(11, 2, h) ||
        !number(14, 2, mi)) {
      return std::nullopt;
    }
    if (s.size() == 19) {
      if (s[16] != ':' || !number(17, 2, sec)) return std::nullopt;
    } else if (s.size() != 16) {
      return std::nullopt;
    }
  }
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return date::local_days{ymd} + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec);
}

}  // namespace

Result<Instant> parse_report_bound(std::string_view text, const std::string& timezone,
                                   Instant now) {
  if (auto back = parse_duration(text); back.ok()) return now - *back;
  if (auto instant = parse_instant(text); instant.ok()) return *instant;
  auto local = parse_local(text);
  if (!local) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\" is neither a duration (7d), a date (2025-03-10), a local "
                                   "time (2025-03-10T09:30) nor an instant with an offset");
  }
  try {
    const date::time_zone* zone = date::locate_zone(timezone.empty() ? "UTC" : timezone);
    const date::local_info info = zone->get_info(*local);
    // In a gap the local time does not exist: the moment the clocks jumped.
    date::sys_seconds at = info.result == date::local_info::nonexistent
                               ? info.first.end
                               : date::sys_seconds{local->time_since_epoch() - info.first.offset};
    return std::chrono::time_point_cast<Duration>(at);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("unknown time zone \"" + timezone + "\": " + e.what());
  }
}

}  // namespace tierd
