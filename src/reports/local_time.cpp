#include "reports/local_time.h"

#include <date/tz.h>

#include <exception>

namespace tierd {
namespace {

using Millis = std::chrono::milliseconds;

date::sys_time<Millis> sys_of(Instant t) {
  return date::sys_time<Millis>(std::chrono::duration_cast<Millis>(t.time_since_epoch()));
}

bool whole_minute(Instant t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count() % 60000 == 0;
}

}  // namespace

Result<LocalTime> LocalTime::in_zone(const std::string& name) {
  if (name.empty() || name == "UTC") return utc();
  try {
    return LocalTime(name, date::locate_zone(name));
  } catch (const std::exception&) {
    return Status::InvalidArgument("unknown time zone \"" + name +
                                   "\" (expected an IANA name such as \"Europe/Amsterdam\")");
  }
}

LocalTime LocalTime::utc() {
  return LocalTime("UTC", nullptr);
}

std::string LocalTime::format(Instant t) const {
  const char* pattern = whole_minute(t) ? "%a %Y-%m-%d %H:%M %Z" : "%a %Y-%m-%d %H:%M:%S %Z";
  auto sys = date::floor<std::chrono::seconds>(sys_of(t));
  if (zone_ == nullptr) return date::format(pattern, sys);
  return date::format(pattern, date::make_zoned(zone_, sys));
}

std::string LocalTime::format_short(Instant t) const {
  auto sys = date::floor<std::chrono::minutes>(sys_of(t));
  if (zone_ == nullptr) return date::format("%a %H:%M", sys);
  return date::format("%a %H:%M", date::make_zoned(zone_, sys));
}

}  // namespace tierd
