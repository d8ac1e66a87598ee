// Instants as an admin reads them: in the zone of their team's calendar,
// with the weekday, because "Tuesday 08:55" says what "06:55Z" hides.
//
// A LocalTime is immutable after construction; any thread may use it. The
// zone comes from the system tz database (Howard Hinnant's date/tz).
#pragma once

#include <string>

#include "core/status.h"
#include "core/time.h"

namespace date {
class time_zone;
}

namespace tierd {

class LocalTime {
 public:
  // InvalidArgument naming the zone when the tz database does not know it.
  static Result<LocalTime> in_zone(const std::string& name);
  static LocalTime utc();

  const std::string& zone() const { return name_; }
  // "Tue 2026-04-28 08:55 CEST"; seconds only when they are not zero.
  std::string format(Instant t) const;
  // "Tue 17:30", for spans within a sentence.
  std::string format_short(Instant t) const;

 private:
  LocalTime(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const date::time_zone* zone_ = nullptr;  // null: UTC
};

}  // namespace tierd
