#include <catch2/catch.hpp>

#include "core/time.h"

using namespace tierd;
using namespace std::chrono_literals;

TEST_CASE("parses UTC instants with and without milliseconds", "[time]") {
  auto t = parse_instant("2025-03-10T09:22:41Z");
  REQUIRE(t.ok());
  CHECK(format_instant(*t) == "2025-03-10T09:22:41Z");
  auto ms = parse_instant("2025-03-10T09:22:41.5Z");
  REQUIRE(ms.ok());
  CHECK(*ms - *t == 500ms);
  CHECK(format_instant(*ms) == "2025-03-10T09:22:41.500Z");
}

TEST_CASE("applies numeric offsets", "[time]") {
  auto a = parse_instant("2025-03-10T10:22:41+01:00");
  auto b = parse_instant("2025-03-10T09:22:41Z");
  auto c = parse_instant("2025-03-10T04:22:41-0500");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(*a == *b);
  CHECK(*c == *b);
}

TEST_CASE("parses every form Zendesk renders, minutes without seconds included", "[time]") {
  // {{ticket.updated_at_with_timestamp}} renders to the minute: "2013-12-12T05:35Z".
  auto minutes = parse_instant("2013-12-12T05:35Z");
  REQUIRE(minutes.ok());
  CHECK(format_instant(*minutes) == "2013-12-12T05:35:00Z");
  CHECK(*parse_instant("2013-12-12T06:35+01:00") == *minutes);
  CHECK(*parse_instant("2013-12-12T00:35-0500") == *minutes);
  CHECK(*parse_instant("2013-12-12T07:35+02") == *minutes);
  CHECK(*parse_instant("2013-12-12t05:35z") == *minutes);
  auto fraction = parse_instant("2013-12-12T05:35:07.123456Z");
  REQUIRE(fraction.ok());
  CHECK(*fraction - *minutes == 7123ms);
  CHECK(*parse_instant("2013-12-12 05:35:07+00:00") == *minutes + 7s);
}

TEST_CASE("rejects instants without a zone or with bad fields", "[time]") {
  CHECK_FALSE(parse_instant("2025-03-10T09:22:41").ok());
  CHECK_FALSE(parse_instant("2025-02-30T09:22:41Z").ok());
  CHECK_FALSE(parse_instant("2025-03-10T25:22:41Z").ok());
  CHECK_FALSE(parse_instant("").ok());
  CHECK_FALSE(parse_instant("1741598561").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22:41Zjunk").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09Z").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22:Z").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22:41.Z").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22+1").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22+01:6").ok());
  CHECK_FALSE(parse_instant("2025-03-10T09:22+25:00").ok());
}

TEST_CASE("parses config durations", "[time]") {
  CHECK(*parse_duration("90s") == 90s);
  CHECK(*parse_duration("15m") == 15min);
  CHECK(*parse_duration("2h") == 2h);
  CHECK(*parse_duration("1d") == 24h);
  CHECK(*parse_duration("1h30m") == 90min);
  CHECK(*parse_duration("250ms") == 250ms);
  CHECK(*parse_duration("0s") == 0s);
}

TEST_CASE("rejects durations without a unit or with a negative number", "[time]") {
  for (const char* bad : {"", "15", "m", "-5m", "5 m", "5x", "1.5h", "99999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).ok());
  }
}

TEST_CASE("formats durations for humans", "[time]") {
  CHECK(format_duration(15min) == "15m");
  CHECK(format_duration(65min) == "1h 5m");
  CHECK(format_duration(42s) == "42s");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(26h) == "1d 2h");
}
