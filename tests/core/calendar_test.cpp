#include <date/tz.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <sstream>

#include "core/calendar.h"
#include "support/instants.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {

using testing::at;

WorkCalendar make_calendar(const std::string& zone,
                           const std::map<std::string, std::vector<std::string>>& hours,
                           const std::vector<std::string>& holidays = {}) {
  auto spec = parse_calendar_spec(zone, hours, holidays);
  INFO(spec.status().to_string());
  REQUIRE(spec.ok());
  auto calendar = WorkCalendar::create(*spec);
  INFO(calendar.status().to_string());
  REQUIRE(calendar.ok());
  return *calendar;
}

const std::map<std::string, std::vector<std::string>> kOfficeHours = {{"mon", {"09:00-17:00"}},
                                                                      {"tue", {"09:00-17:00"}},
                                                                      {"wed", {"09:00-17:00"}},
                                                                      {"thu", {"09:00-17:00"}},
                                                                      {"fri", {"09:00-17:00"}}};

std::string show(Instant t) {
  return t == Instant::max() ? "max" : format_instant(t);
}

}  // namespace

// ---------------------------------------------------------------------------
// Table tests: exact durations and deadlines.

TEST_CASE("Friday 16:55 plus 15 working minutes is Monday 09:10", "[calendar]") {
  auto cal = make_calendar("UTC", kOfficeHours);
  CHECK(show(cal.deadline_after(at("2026-03-13T16:55:00Z"), 15min)) == "2026-03-16T09:10:00Z");
  CHECK(cal.working_time(at("2026-03-13T16:55:00Z"), at("2026-03-16T09:10:00Z")) == 15min);
}

TEST_CASE("a budget that runs out overnight lands after the next opening", "[calendar]") {
  auto cal = make_calendar("UTC", kOfficeHours);
  CHECK(show(cal.deadline_after(at("2026-03-10T16:30:00Z"), 60min)) == "2026-03-11T09:30:00Z");
  // Exactly used up at closing time: the deadline is the closing instant.
  CHECK(show(cal.deadline_after(at("2026-03-10T16:30:00Z"), 30min)) == "2026-03-10T17:00:00Z");
  // Starting while closed, the clock starts at the opening.
  CHECK(show(cal.deadline_after(at("2026-03-10T20:00:00Z"), 1min)) == "2026-03-11T09:01:00Z");
  CHECK(cal.working_time(at("2026-03-10T12:00:00Z"), at("2026-03-11T12:00:00Z")) == 8h);
}

TEST_CASE("hours open until 24:00 continue into hours open from 00:00", "[calendar]") {
  auto cal = make_calendar("UTC", {{"fri", {"20:00-24:00"}}, {"sat", {"00:00-02:00"}}});
  CHECK(show(cal.deadline_after(at("2026-03-13T23:30:00Z"), 60min)) == "2026-03-14T00:30:00Z");
  CHECK(cal.working_time(at("2026-03-13T19:00:00Z"), at("2026-03-14T03:00:00Z")) == 6h);
  CHECK(cal.is_open(at("2026-03-14T00:00:00Z")));
}

TEST_CASE("touching intervals behave like one", "[calendar]") {
  auto split = make_calendar("UTC", {{"mon", {"12:00-17:00", "09:00-12:00"}}});
  auto whole = make_calendar("UTC", {{"mon", {"09:00-17:00"}}});
  CHECK(show(split.deadline_after(at("2026-03-09T11:50:00Z"), 20min)) == "2026-03-09T12:10:00Z");
  CHECK(split.is_open(at("2026-03-09T12:00:00Z")));
  CHECK(show(*split.next_open(at("2026-03-09T12:00:00Z"))) == "2026-03-09T12:00:00Z");
  CHECK(split.working_time(at("2026-03-09T00:00:00Z"), at("2026-03-10T00:00:00Z")) == 8h);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> minutes(0, 14 * 1440);
  const Instant base = at("2026-03-01T00:00:00Z");
  for (int i = 0; i < 200; ++i) {
    const Instant s = base + std::chrono::minutes(minutes(rng));
    const Duration budget = std::chrono::minutes(minutes(rng) % 1000);
    INFO(show(s) << " + " << format_duration(budget));
    REQUIRE(split.deadline_after(s, budget) == whole.deadline_after(s, budget));
  }
}

TEST_CASE("a lunch break pauses the clock", "[calendar]") {
  auto cal = make_calendar("Europe/Amsterdam", {{"mon", {"09:00-12:30", "13:30-17:00"}}});
  // 12:00 CET + 60 working minutes = 30 before lunch, 30 after: 14:00 CET.
  CHECK(show(cal.deadline_after(at("2026-03-09T11:00:00Z"), 60min)) == "2026-03-09T13:00:00Z");
  CHECK_FALSE(cal.is_open(at("2026-03-09T12:00:00Z")));
  CHECK(cal.working_time(at("2026-03-09T00:00:00Z"), at("2026-03-10T00:00:00Z")) == 7h);
}

TEST_CASE("year end skips a New Year holiday", "[calendar]") {
  auto cal = make_calendar("Europe/Amsterdam", kOfficeHours, {"2026-01-01"});
  // Wed 2025-12-31 16:30 CET + 1h: 30 minutes on Dec 31, Jan 1 closed, 30 minutes on Fri Jan 2.
  CHECK(show(cal.deadline_after(at("2025-12-31T15:30:00Z"), 60min)) == "2026-01-02T08:30:00Z");
  CHECK(cal.working_time(at("2025-12-31T15:30:00Z"), at("2026-01-02T08:30:00Z")) == 60min);
  CHECK_FALSE(cal.is_open(at("2026-01-01T10:00:00Z")));
}

TEST_CASE("a holiday range is closed on every day it covers", "[calendar]") {
  auto cal = make_calendar("UTC", kOfficeHours, {"2026-12-24..2026-12-26", "2026-12-31"});
  // Wed Dec 23 16:00 + 2h: 1h on Wednesday, Thu 24 and Fri 25 are holidays, 1h on Mon 28.
  CHECK(show(cal.deadline_after(at("2026-12-23T16:00:00Z"), 2h)) == "2026-12-28T10:00:00Z");
  CHECK(cal.working_time(at("2026-12-21T00:00:00Z"), at("2026-12-28T00:00:00Z")) == 24h);
  CHECK(cal.working_time(at("2026-12-28T00:00:00Z"), at("2027-01-04T00:00:00Z")) == 32h);
  CHECK_FALSE(cal.is_open(at("2026-12-24T12:00:00Z")));
  CHECK(show(*cal.next_open(at("2026-12-24T12:00:00Z"))) == "2026-12-28T09:00:00Z");
}

TEST_CASE("Europe/Amsterdam spring forward: the skipped hour does not exist", "[calendar]") {
  // 2026-03-29 is a Sunday; at 01:00Z local time jumps from 02:00 CET to 03:00 CEST.
  auto early = make_calendar("Europe/Amsterdam", {{"sun", {"01:00-04:00"}}});
  CHECK(early.working_time(at("2026-03-28T12:00:00Z"), at("2026-03-30T00:00:00Z")) == 2h);
  CHECK(early.working_time(at("2026-03-21T12:00:00Z"), at("2026-03-23T00:00:00Z")) == 3h);
  CHECK(show(early.deadline_after(at("2026-03-28T12:00:00Z"), 60min)) == "2026-03-29T01:00:00Z");
  CHECK(show(early.deadline_after(at("2026-03-28T12:00:00Z"), 90min)) == "2026-03-29T01:30:00Z");
  CHECK(show(*early.next_open(at("2026-03-28T12:00:00Z"))) == "2026-03-29T00:00:00Z");
  CHECK(early.is_open(at("2026-03-29T01:00:00Z")));        // 03:00 CEST
  CHECK_FALSE(early.is_open(at("2026-03-29T02:00:00Z")));  // 04:00 CEST

  auto skipped = make_calendar("Europe/Amsterdam", {{"sun", {"02:00-03:00"}}});
  CHECK(skipped.working_time(at("2026-03-28T12:00:00Z"), at("2026-03-30T00:00:00Z")) == 0ms);
  CHECK(skipped.working_time(at("2026-03-22T00:00:00Z"), at("2026-03-23T00:00:00Z")) == 1h);
  // The next Sunday, in summer time: 02:00 CEST = 00:00Z.
  CHECK(show(*skipped.next_open(at("2026-03-28T12:00:00Z"))) == "2026-04-05T00:00:00Z");
  CHECK(show(skipped.deadline_after(at("2026-03-28T12:00:00Z"), 30min)) == "2026-04-05T00:30:00Z");

  auto all_day = make_calendar("Europe/Amsterdam", {{"sun", {"00:00-24:00"}}});
  CHECK(all_day.working_time(at("2026-03-28T00:00:00Z"), at("2026-03-31T00:00:00Z")) == 23h);
}

TEST_CASE("Europe/Amsterdam fall back: the repeated hour counts twice", "[calendar]") {
  // 2026-10-25 is a Sunday; at 01:00Z local time goes back from 03:00 CEST to 02:00 CET.
  auto early = make_calendar("Europe/Amsterdam", {{"sun", {"01:00-04:00"}}});
  CHECK(early.working_time(at("2026-10-24T12:00:00Z"), at("2026-10-26T00:00:00Z")) == 4h);
  // 01:00 CEST = 23:00Z on Saturday; 150 minutes later is 02:30 CET (the second pass).
  CHECK(show(early.deadline_after(at("2026-10-24T12:00:00Z"), 150min)) == "2026-10-25T01:30:00Z");
  CHECK(early.is_open(at("2026-10-25T00:30:00Z")));        // 02:30 CEST
  CHECK(early.is_open(at("2026-10-25T01:30:00Z")));        // 02:30 CET
  CHECK_FALSE(early.is_open(at("2026-10-25T03:00:00Z")));  // 04:00 CET

  auto repeated = make_calendar("Europe/Amsterdam", {{"sun", {"02:00-03:00"}}});
  CHECK(repeated.working_time(at("2026-10-24T12:00:00Z"), at("2026-10-26T00:00:00Z")) == 2h);
  CHECK(show(repeated.deadline_after(at("2026-10-24T12:00:00Z"), 90min)) == "2026-10-25T01:30:00Z");

  auto all_day = make_calendar("Europe/Amsterdam", {{"sun", {"00:00-24:00"}}});
  CHECK(all_day.working_time(at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z")) == 25h);
}

TEST_CASE("America/New_York daylight-saving days", "[calendar]") {
  auto early = make_calendar("America/New_York", {{"sun", {"01:00-04:00"}}});
  // 2026-03-08: 02:00 EST (07:00Z) becomes 03:00 EDT.
  CHECK(early.working_time(at("2026-03-07T12:00:00Z"), at("2026-03-09T12:00:00Z")) == 2h);
  CHECK(show(early.deadline_after(at("2026-03-07T12:00:00Z"), 61min)) == "2026-03-08T07:01:00Z");
  // 2026-11-01: 02:00 EDT (06:00Z) becomes 01:00 EST; 01:00 EDT = 05:00Z, 04:00 EST = 09:00Z.
  CHECK(early.working_time(at("2026-10-31T12:00:00Z"), at("2026-11-02T12:00:00Z")) == 4h);
  CHECK(show(early.deadline_after(at("2026-10-31T12:00:00Z"), 4h)) == "2026-11-01T09:00:00Z");

  // The weekend change moves Monday's opening from 14:00Z to 13:00Z.
  auto office = make_calendar("America/New_York", kOfficeHours);
  CHECK(show(office.deadline_after(at("2026-03-06T21:30:00Z"), 60min)) == "2026-03-09T13:30:00Z");
  CHECK(office.working_time(at("2026-03-02T00:00:00Z"), at("2026-03-16T00:00:00Z")) == 80h);
}

TEST_CASE("Asia/Kolkata has a half-hour offset and no daylight saving", "[calendar]") {
  auto cal = make_calendar("Asia/Kolkata", kOfficeHours);
  // 09:00 IST = 03:30Z.
  CHECK(show(cal.deadline_after(at("2026-03-09T03:00:00Z"), 60min)) == "2026-03-09T04:30:00Z");
  CHECK(cal.working_time(at("2026-03-09T00:00:00Z"), at("2026-03-10T00:00:00Z")) == 8h);
  // Friday 16:30 IST + 1h = Monday 09:30 IST.
  CHECK(show(cal.deadline_after(at("2026-03-13T11:00:00Z"), 60min)) == "2026-03-16T04:00:00Z");
  CHECK(cal.working_time(at("2026-10-19T00:00:00Z"), at("2026-11-02T00:00:00Z")) == 80h);
}

TEST_CASE("next_open returns the instant itself when open and the next opening otherwise",
          "[calendar]") {
  auto cal = make_calendar("UTC", kOfficeHours);
  CHECK(show(*cal.next_open(at("2026-03-14T10:00:00Z"))) == "2026-03-16T09:00:00Z");
  CHECK(show(*cal.next_open(at("2026-03-16T10:15:00.250Z"))) == "2026-03-16T10:15:00.250Z");
  CHECK(show(*cal.next_open(at("2026-03-16T17:00:00Z"))) == "2026-03-17T09:00:00Z");
  CHECK_FALSE(cal.is_open(at("2026-03-16T17:00:00Z")));
  CHECK(cal.is_open(at("2026-03-16T16:59:59.999Z")));
}

TEST_CASE("a zero budget is due at the start, open or not", "[calendar]") {
  auto cal = make_calendar("UTC", kOfficeHours);
  CHECK(show(cal.deadline_after(at("2026-03-14T10:00:00Z"), 0ms)) == "2026-03-14T10:00:00Z");
  CHECK(show(cal.deadline_after(at("2026-03-14T10:00:00Z"), -5min)) == "2026-03-14T10:00:00Z");
  CHECK(cal.working_time(at("2026-03-16T12:00:00Z"), at("2026-03-16T10:00:00Z")) == 0ms);
}

TEST_CASE("a calendar without open hours never opens", "[calendar]") {
  CalendarSpec spec;
  spec.timezone = "Europe/Amsterdam";
  auto cal = WorkCalendar::create(spec);
  REQUIRE(cal.ok());
  CHECK(cal->working_time(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")) == 0ms);
  CHECK(cal->deadline_after(at("2026-01-01T00:00:00Z"), 1min) == Instant::max());
  CHECK_FALSE(cal->next_open(at("2026-01-01T00:00:00Z")).has_value());
  CHECK_FALSE(cal->is_open(at("2026-01-05T12:00:00Z")));
}

TEST_CASE("deadlines past the supported range are Instant::max()", "[calendar]") {
  auto cal = make_calendar("UTC", kOfficeHours);
  CHECK(cal.deadline_after(at("2199-12-30T00:00:00Z"), 100h) == Instant::max());
  CHECK_FALSE(cal.next_open(at("2200-06-01T00:00:00Z")).has_value());
  CHECK(cal.working_time(at("2199-12-31T00:00:00Z"), Instant::max()) == 8h);  // a Tuesday
}

TEST_CASE("always_open counts wall time", "[calendar]") {
  auto cal = WorkCalendar::always_open();
  CHECK(cal.working_time(at("2026-03-13T16:55:00Z"), at("2026-03-16T09:10:00Z")) ==
        at("2026-03-16T09:10:00Z") - at("2026-03-13T16:55:00Z"));
  CHECK(show(cal.deadline_after(at("2026-03-13T16:55:00Z"), 15min)) == "2026-03-13T17:10:00Z");
  CHECK(cal.is_open(at("2026-03-14T03:00:00Z")));
  CHECK(show(*cal.next_open(at("2026-03-14T03:00:00Z"))) == "2026-03-14T03:00:00Z");
  CHECK(cal.working_time(Instant::min(), Instant::max()) == Duration::max());
  CHECK(cal.deadline_after(Instant::max() - 1ms, 1h) == Instant::max());
}

TEST_CASE("copies of a calendar give the same answers", "[calendar]") {
  auto original = make_calendar("Europe/Amsterdam", kOfficeHours, {"2026-12-25"});
  WorkCalendar copy = original;
  CHECK(copy.timezone() == "Europe/Amsterdam");
  CHECK(copy.deadline_after(at("2026-12-24T15:30:00Z"), 1h) ==
        original.deadline_after(at("2026-12-24T15:30:00Z"), 1h));
}

// ---------------------------------------------------------------------------
// Validation.

TEST_CASE("create rejects unknown zones and bad intervals", "[calendar]") {
  auto make = [](std::string zone, std::vector<TimeOfDayInterval> monday,
                 std::vector<std::pair<date::sys_days, date::sys_days>> holidays = {}) {
    CalendarSpec spec;
    spec.timezone = std::move(zone);
    spec.weekly[1] = std::move(monday);
    spec.holidays = std::move(holidays);
    return WorkCalendar::create(spec);
  };
  using date::sys_days;
  using namespace date::literals;
  CHECK(make("Europe/Amsterdam", {{540, 1020}}).ok());
  CHECK(make("Europe/Amsterdam", {{0, 1440}}).ok());

  auto zone = make("Europe/Amsterdm", {{540, 1020}});
  REQUIRE_FALSE(zone.ok());
  CHECK(zone.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(zone.status().message(), Catch::Contains("Europe/Amsterdm"));
  CHECK_FALSE(make("", {{540, 1020}}).ok());

  auto overlap = make("UTC", {{540, 720}, {700, 1020}});
  REQUIRE_FALSE(overlap.ok());
  CHECK_THAT(overlap.status().message(), Catch::Contains("09:00-12:00 and 11:40-17:00 overlap"));
  CHECK_THAT(overlap.status().message(), Catch::Contains("mon"));

  for (TimeOfDayInterval bad :
       {TimeOfDayInterval{600, 540}, TimeOfDayInterval{540, 540}, TimeOfDayInterval{-1, 540},
        TimeOfDayInterval{540, 1441}, TimeOfDayInterval{1440, 1500}}) {
    INFO(bad.start_minute << "-" << bad.end_minute);
    auto r = make("UTC", {bad});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }

  auto reversed =
      make("UTC", {{540, 1020}}, {{sys_days(2026_y / 12 / 26), sys_days(2026_y / 12 / 24)}});
  REQUIRE_FALSE(reversed.ok());
  CHECK_THAT(reversed.status().message(), Catch::Contains("2026-12-26..2026-12-24"));
}

TEST_CASE("parse_calendar_spec reads the config form", "[calendar]") {
  auto spec = parse_calendar_spec(
      "Europe/Amsterdam", {{"mon", {"09:00-12:30", "13:30-17:00"}}, {"Tue", {" 09:00 - 24:00 "}}},
      {"2026-12-25", "2026-12-30..2027-01-01"});
  INFO(spec.status().to_string());
  REQUIRE(spec.ok());
  CHECK(spec->timezone == "Europe/Amsterdam");
  CHECK(spec->weekly[1] == std::vector<TimeOfDayInterval>{{540, 750}, {810, 1020}});
  CHECK(spec->weekly[2] == std::vector<TimeOfDayInterval>{{540, 1440}});
  CHECK(spec->weekly[0].empty());
  REQUIRE(spec->holidays.size() == 2);
  using namespace date::literals;
  CHECK(spec->holidays[0].first == date::sys_days(2026_y / 12 / 25));
  CHECK(spec->holidays[0].second == date::sys_days(2026_y / 12 / 25));
  CHECK(spec->holidays[1].first == date::sys_days(2026_y / 12 / 30));
  CHECK(spec->holidays[1].second == date::sys_days(2027_y / 1 / 1));
}

TEST_CASE("parse_calendar_spec explains what is wrong", "[calendar]") {
  using Hours = std::map<std::string, std::vector<std::string>>;
  struct Case {
    std::string zone;
    Hours hours;
    std::vector<std::string> holidays;
    std::string expected;  // a piece of the message
  };
  const Hours ok_hours = {{"mon", {"09:00-17:00"}}};
  const std::vector<Case> cases = {
      {"UTC", {{"monday", {"09:00-17:00"}}}, {}, "unknown day \"monday\""},
      {"UTC", {{"mon", {"09:00-17:00"}}, {"MON", {"10:00-11:00"}}}, {}, "name the same day"},
      {"UTC", {{"mon", {"9-17"}}}, {}, "hours.mon[0]: expected \"HH:MM-HH:MM\""},
      {"UTC", {{"mon", {"09:00"}}}, {}, "got \"09:00\""},
      {"UTC", {{"mon", {"09:00-17:00", "25:00-26:00"}}}, {}, "hours.mon[1]"},
      {"UTC", {{"mon", {"12:60-13:00"}}}, {}, "outside 00:00..24:00"},
      {"UTC", {{"mon", {"24:30-24:45"}}}, {}, "outside 00:00..24:00"},
      {"UTC", {{"fri", {"22:00-06:00"}}}, {}, "\"22:00-24:00\" on this day and \"00:00-06:00\""},
      {"UTC", {{"mon", {"09:00-09:00"}}}, {}, "is empty"},
      {"UTC", {{"mon", {"09:00-12:00", "11:00-13:00"}}}, {}, "09:00-12:00 and 11:00-13:00 overlap"},
      {"UTC", {}, {}, "every day is closed"},
      {"UTC", {{"mon", {}}}, {}, "every day is closed"},
      {"Mars/Olympus", ok_hours, {}, "unknown time zone \"Mars/Olympus\""},
      {"UTC", ok_hours, {"25/12/2026"}, "holidays[0]: expected a date \"YYYY-MM-DD\""},
      {"UTC", ok_hours, {"2026-12-25", "2026-02-30"}, "holidays[1]"},
      {"UTC", ok_hours, {"2026-12-26..2026-12-24"}, "ends before it starts"},
      {"UTC", ok_hours, {"2026-12-24.."}, "got \"2026-12-24..\""},
  };
  for (const Case& c : cases) {
    INFO("expecting: " << c.expected);
    auto r = parse_calendar_spec(c.zone, c.hours, c.holidays);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(c.expected));
  }
}

// ---------------------------------------------------------------------------
// Property tests over random calendars, zones and instants.

namespace {

const std::vector<std::string> kZones = {"UTC",
                                         "Europe/Amsterdam",
                                         "America/New_York",
                                         "Asia/Kolkata",
                                         "Asia/Kathmandu",
                                         "Australia/Lord_Howe",
                                         "Pacific/Chatham",
                                         "America/Sao_Paulo",
                                         "America/Santiago"};

// Seeds can be replayed with TIERD_CALENDAR_SEED=<n>.
uint32_t master_seed() {
  if (const char* env = std::getenv("TIERD_CALENDAR_SEED")) {
    return static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  }
  return 20260329;
}

template <typename T>
T uniform(std::mt19937& rng, T lo, T hi) {
  return std::uniform_int_distribution<T>(lo, hi)(rng);
}

CalendarSpec random_spec(std::mt19937& rng) {
  CalendarSpec spec;
  spec.timezone = kZones[uniform<size_t>(rng, 0, kZones.size() - 1)];
  for (auto& day : spec.weekly) {
    const int kind = uniform(rng, 0, 9);
    if (kind <= 1) continue;  // closed
    if (kind == 2) {
      day.push_back({0, 1440});
      continue;
    }
    const int count = uniform(rng, 1, 3);
    const int step = std::array<int, 3>{1, 15, 60}[uniform(rng, 0, 2)];
    std::vector<int> cuts;
    while (static_cast<int>(cuts.size()) < 2 * count) {
      const int c = uniform(rng, 0, 1440 / step) * step;
      if (std::find(cuts.begin(), cuts.end(), c) == cuts.end()) cuts.push_back(c);
    }
    std::sort(cuts.begin(), cuts.end());
    for (int i = 0; i < count; ++i) {
      const int s = cuts[2 * i];
      const int e = cuts[2 * i + 1];
      if (e - s >= 2 && uniform(rng, 0, 3) == 0) {  // sometimes as two touching halves
        const int mid = (s + e) / 2;
        day.push_back({mid, e});
        day.push_back({s, mid});
      } else {
        day.push_back({s, e});
      }
    }
  }
  const int holidays = uniform(rng, 0, 25);
  const int first_day = date::sys_days(date::year{2023} / 1 / 1).time_since_epoch().count();
  const int last_day = date::sys_days(date::year{2032} / 1 / 1).time_since_epoch().count();
  for (int i = 0; i < holidays; ++i) {
    const int d = uniform(rng, first_day, last_day);
    const int len = uniform(rng, 0, 1) ? 0 : uniform(rng, 1, 6);
    spec.holidays.emplace_back(date::sys_days(date::days(d)), date::sys_days(date::days(d + len)));
  }
  return spec;
}

std::string describe(const CalendarSpec& spec) {
  std::ostringstream out;
  out << spec.timezone;
  for (size_t d = 0; d < 7; ++d) {
    out << " d" << d << "[";
    for (const auto& iv : spec.weekly[d]) out << iv.start_minute << "-" << iv.end_minute << " ";
    out << "]";
  }
  out << " holidays:";
  for (const auto& [a, b] : spec.holidays) {
    using date::operator<<;
    out << " " << a << ".." << b;
  }
  return out.str();
}

Instant random_instant(std::mt19937& rng) {
  return from_unix_ms(uniform<int64_t>(rng, to_unix_ms(from_unix_ms(1704067200000)),  // 2024-01-01
                                       to_unix_ms(from_unix_ms(1924992000000))));     // 2031-01-01
}

Duration random_budget(std::mt19937& rng) {
  switch (uniform(rng, 0, 3)) {
    case 0:
      return std::chrono::minutes(uniform(rng, 1, 60));
    case 1:
      return Duration(uniform<int64_t>(rng, 1, 8 * 3600'000));
    case 2:
      return Duration(uniform<int64_t>(rng, 1, 10 * 86'400'000));
    default:
      return Duration(uniform<int64_t>(rng, 0, 3));
  }
}

// Independent model: the rule from calendar.h applied to one instant through
// zoned_time, with no precomputation.
bool oracle_is_open(const CalendarSpec& spec, const date::time_zone* zone, Instant t) {
  const auto local = date::make_zoned(zone, t).get_local_time();
  const auto day = date::floor<date::days>(local);
  const auto minute = date::floor<std::chrono::minutes>(local - day).count();
  const date::sys_days as_date(day.time_since_epoch());
  for (const auto& [first, last] : spec.holidays) {
    if (first <= as_date && as_date <= last) return false;
  }
  const unsigned weekday = date::weekday(as_date).c_encoding();
  for (const auto& iv : spec.weekly[weekday]) {
    if (iv.start_minute <= minute && minute < iv.end_minute) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("deadline_after and working_time are inverse, monotonic and additive", "[calendar]") {
  const uint32_t seed = master_seed();
  for (uint32_t i = 0; i < 3000; ++i) {
    const uint32_t case_seed = seed + i;
    std::mt19937 rng(case_seed);
    const CalendarSpec spec = random_spec(rng);
    INFO("case seed " << case_seed << " (replay: TIERD_CALENDAR_SEED=" << case_seed << ")");
    INFO("calendar " << describe(spec));
    auto created = WorkCalendar::create(spec);
    REQUIRE(created.ok());
    const WorkCalendar& cal = *created;

    Instant s1 = random_instant(rng);
    Instant s2 = s1 + Duration(uniform<int64_t>(rng, 0, 3 * 86'400'000));
    Duration d1 = random_budget(rng);
    Duration d2 = d1 + random_budget(rng);
    INFO("s1=" << show(s1) << " s2=" << show(s2) << " d1=" << d1.count() << "ms d2=" << d2.count()
               << "ms");

    const Instant t1 = cal.deadline_after(s1, d1);
    const Instant t2 = cal.deadline_after(s1, d2);
    const Instant t3 = cal.deadline_after(s2, d1);
    INFO("t1=" << show(t1) << " t2=" << show(t2) << " t3=" << show(t3));
    if (t1 == Instant::max()) {
      REQUIRE_FALSE(cal.next_open(s1).has_value());
      continue;
    }
    // Inverse.
    REQUIRE(cal.working_time(s1, t1) == d1);
    REQUIRE(cal.working_time(s1, t2) == d2);
    REQUIRE(cal.working_time(s2, t3) == d1);
    // Monotonic in the budget and the start.
    REQUIRE(t1 <= t2);
    REQUIRE(t1 <= t3);
    REQUIRE(t1 >= s1);
    // Open-time-adjacent: the millisecond before the deadline is working time.
    if (d1 > Duration::zero()) {
      REQUIRE(cal.is_open(t1 - 1ms));
      REQUIRE(cal.working_time(t1 - 1ms, t1) == 1ms);
    }
    // Additive over a split point and monotonic in both ends.
    const Instant mid = s1 + (t2 - s1) * uniform(rng, 0, 1000) / 1000;
    REQUIRE(cal.working_time(s1, mid) + cal.working_time(mid, t2) == cal.working_time(s1, t2));
    REQUIRE(cal.working_time(s1, mid) <= cal.working_time(s1, t2));
    REQUIRE(cal.working_time(mid, t2) <= cal.working_time(s1, t2));
    // next_open agrees with is_open and skips only closed time.
    const auto open = cal.next_open(s1);
    REQUIRE(open.has_value());
    REQUIRE(cal.is_open(*open));
    REQUIRE(cal.working_time(s1, *open) == 0ms);
    REQUIRE((*open == s1) == cal.is_open(s1));
  }
}

TEST_CASE("calendar answers match a per-minute model built on zoned_time", "[calendar]") {
  // Instants near daylight-saving changes are where the two could disagree.
  const std::vector<Instant> near_changes = {
      at("2026-03-29T00:00:00Z"), at("2026-10-24T20:00:00Z"), at("2026-03-08T03:00:00Z"),
      at("2026-11-01T03:00:00Z"), at("2026-04-04T13:00:00Z"), at("2026-10-03T14:00:00Z"),
      at("2026-04-05T00:00:00Z"), at("2026-09-05T12:00:00Z"), at("2026-04-04T23:00:00Z")};
  const uint32_t seed = master_seed() ^ 0x5eed;
  for (uint32_t i = 0; i < 400; ++i) {
    const uint32_t case_seed = seed + i;
    std::mt19937 rng(case_seed);
    CalendarSpec spec = random_spec(rng);
    INFO("case seed " << case_seed);
    INFO("calendar " << describe(spec));
    auto created = WorkCalendar::create(spec);
    REQUIRE(created.ok());
    const date::time_zone* zone = date::locate_zone(spec.timezone);

    Instant start = uniform(rng, 0, 1)
                        ? near_changes[uniform<size_t>(rng, 0, near_changes.size() - 1)]
                        : random_instant(rng);
    start = date::floor<std::chrono::minutes>(start) - std::chrono::minutes(uniform(rng, 0, 600));
    const int minutes = uniform(rng, 1, 2 * 1440);
    int64_t open_minutes = 0;
    for (int m = 0; m < minutes; ++m) {
      const Instant t = start + std::chrono::minutes(m);
      const bool expected = oracle_is_open(spec, zone, t);
      INFO("at " << show(t));
      REQUIRE(created->is_open(t) == expected);
      open_minutes += expected;
    }
    INFO("from " << show(start) << " for " << minutes << " minutes");
    REQUIRE(created->working_time(start, start + std::chrono::minutes(minutes)) ==
            std::chrono::minutes(open_minutes));
  }
}
