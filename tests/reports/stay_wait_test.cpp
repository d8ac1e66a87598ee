// Where a stay's wall-clock time went: paused, closed, holidays.
#include <catch2/catch.hpp>

#include "core/calendar.h"
#include "reports/local_time.h"
#include "reports/stay_wait.h"
#include "support/instants.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {

using testing::at;

WorkCalendar office() {
  CalendarSpec spec;
  spec.timezone = "Europe/Amsterdam";
  for (int day = 1; day <= 5; ++day)
    spec.weekly[static_cast<size_t>(day)] = {{510, 750}, {780, 1050}};
  using namespace date::literals;
  spec.holidays = {{2026_y / 4 / 27, 2026_y / 4 / 27}, {2026_y / 12 / 25, 2026_y / 12 / 26}};
  auto calendar = WorkCalendar::create(spec);
  REQUIRE(calendar.ok());
  return *calendar;
}

}  // namespace

TEST_CASE("a wait over a weekend and a holiday is closed time, the holiday named", "[wait]") {
  WorkCalendar calendar = office();
  StayWait stay{"tier1", at("2026-04-24T15:20:00Z"), {}};  // Fri 17:20 CEST
  WaitFacts f = measure_wait(stay, at("2026-04-28T06:32:00Z"), 12min, &calendar);
  CHECK(f.wall == 24h * 3 + 15h + 12min);
  CHECK(f.closed == f.wall - 12min);
  CHECK(f.paused == Duration::zero());
  REQUIRE(f.holidays.size() == 1);
  CHECK(stretched(f));
  auto amsterdam = LocalTime::in_zone("Europe/Amsterdam");
  REQUIRE(amsterdam.ok());
  CHECK(describe_wait(f, *amsterdam) ==
        "3d 15h 12m since tier1 began Fri 17:20: 3d 15h closed (outside opening hours; holiday "
        "Mon 2026-04-27)");
}

TEST_CASE("open time the clock did not count is paused, with the statuses", "[wait]") {
  WorkCalendar calendar = office();
  StayWait stay{"tier1", at("2026-04-30T08:00:00Z"), {"pending"}};  // Thu 10:00 CEST
  WaitFacts f = measure_wait(stay, at("2026-04-30T10:15:00Z"), 15min, &calendar);
  CHECK(f.paused == 2h);
  CHECK(f.closed == Duration::zero());
  CHECK(f.holidays.empty());
  CHECK(describe_wait(f, LocalTime::utc()) ==
        "2h 15m since tier1 began Thu 08:00: 2h paused (pending)");
}

TEST_CASE("a lunch break is closed time - an always-open tier only pauses", "[wait]") {
  WorkCalendar calendar = office();
  StayWait stay{"tier1", at("2026-04-29T10:20:00Z"), {}};  // Wed 12:20 CEST
  WaitFacts lunch = measure_wait(stay, at("2026-04-29T11:05:00Z"), 15min, &calendar);
  CHECK(lunch.closed == 30min);
  CHECK(lunch.paused == Duration::zero());

  WaitFacts straight = measure_wait(stay, at("2026-04-29T10:35:00Z"), 15min, nullptr);
  CHECK_FALSE(stretched(straight));
  WaitFacts held = measure_wait(stay, at("2026-04-29T11:35:00Z"), 15min, nullptr);
  CHECK(held.paused == 1h);
  CHECK(held.closed == Duration::zero());
}

TEST_CASE("local times carry the weekday and the zone's abbreviation", "[wait]") {
  auto amsterdam = LocalTime::in_zone("Europe/Amsterdam");
  REQUIRE(amsterdam.ok());
  CHECK(amsterdam->format(at("2026-04-28T06:35:00Z")) == "Tue 2026-04-28 08:35 CEST");
  CHECK(amsterdam->format(at("2026-01-05T08:00:30Z")) == "Mon 2026-01-05 09:00:30 CET");
  CHECK(LocalTime::utc().format(at("2026-01-05T08:00:00Z")) == "Mon 2026-01-05 08:00 UTC");
  auto bad = LocalTime::in_zone("Europe/Atlantis");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("Europe/Atlantis") != std::string::npos);
}

TEST_CASE("a calendar lists the holidays within a span and its last one", "[wait]") {
  WorkCalendar calendar = office();
  auto days = calendar.holidays_between(at("2026-12-20T00:00:00Z"), at("2027-01-02T00:00:00Z"));
  REQUIRE(days.size() == 2);
  using namespace date::literals;
  CHECK(days[0] == date::sys_days(2026_y / 12 / 25));
  CHECK(calendar.last_holiday() == date::sys_days(2026_y / 12 / 26));
  CHECK(WorkCalendar::always_open()
            .holidays_between(at("2026-12-20T00:00:00Z"), at("2027-01-02T00:00:00Z"))
            .empty());
  CHECK_FALSE(WorkCalendar::always_open().last_holiday());
}
