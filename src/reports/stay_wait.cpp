#include "reports/stay_wait.h"

namespace tierd {
namespace {

constexpr Duration kMinute = std::chrono::minutes(1);

}  // namespace

WaitFacts measure_wait(const StayWait& stay, Instant at, Duration used,
                       const WorkCalendar* calendar) {
  WaitFacts f;
  f.tier = stay.tier;
  f.entered = stay.entered;
  f.pause_statuses = stay.pause_statuses;
  if (at <= stay.entered) return f;
  f.wall = at - stay.entered;
  const Duration open = calendar ? calendar->working_time(stay.entered, at) : f.wall;
  f.closed = f.wall - open;
  f.paused = open > used ? open - used : Duration::zero();
  if (calendar && f.closed >= kMinute) f.holidays = calendar->holidays_between(stay.entered, at);
  return f;
}

bool stretched(const WaitFacts& facts) {
  return facts.paused + facts.closed >= kMinute;
}

std::string describe_wait(const WaitFacts& f, const LocalTime& local) {
  std::string parts;
  if (f.paused >= kMinute) {
    parts = format_duration(f.paused) + " paused";
    if (!f.pause_statuses.empty()) {
      std::string statuses;
      for (const auto& s : f.pause_statuses) statuses += (statuses.empty() ? "" : ", ") + s;
      parts += " (" + statuses + ")";
    }
  }
  if (f.closed >= kMinute) {
    std::string why = "outside opening hours";
    for (const auto& day : f.holidays) why += "; holiday " + date::format("%a %F", day);
    parts += (parts.empty() ? "" : "; ") + format_duration(f.closed) + " closed (" + why + ")";
  }
  std::string text =
      format_duration(f.wall) + " since " + f.tier + " began " + local.format_short(f.entered);
  return parts.empty() ? text : text + ": " + parts;
}

}  // namespace tierd
