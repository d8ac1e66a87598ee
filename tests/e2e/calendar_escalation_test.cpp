// End to end: a tier's business-hours calendar decides whether its clock runs.
#include <catch2/catch.hpp>

#include <date/date.h>

#include <thread>

#include "support/any_vendor.h"
#include "support/live_stack.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string utc_date(std::chrono::system_clock::time_point t) {
  return date::format("%F", date::floor<date::days>(t));
}

json all_week(const char* hours) {
  json h = json::object();
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) h[day] = {hours};
  return h;
}

}  // namespace

TEST_CASE("a tier whose calendar is closed does not escalate - an open one does",
          "[integration][calendar]") {
  auto now = std::chrono::system_clock::now();
  LiveStackOptions options;
  options.vendor = any_vendor();
  options.tiers = json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "2s", "calendar": "on_holiday"},
    {"name": "tier2", "groups": [114002], "escalate_after": "2s", "calendar": "always"},
    {"name": "tier3", "groups": [114003]}])");
  options.extra_config = {
      {"calendars",
       {{"on_holiday",
         {{"timezone", "UTC"},
          {"hours", all_week("00:00-24:00")},
          {"holidays", {utc_date(now - 24h) + ".." + utc_date(now + 48h)}}}},
        {"always", {{"timezone", "Asia/Kolkata"}, {"hours", all_week("00:00-24:00")}}}}}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t closed =
      stack.create_ticket({{"subject", "holiday"}, {"group_id", 114001}, {"status", "open"}});
  int64_t open =
      stack.create_ticket({{"subject", "open hours"}, {"group_id", 114002}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.ticket(open).at("group_id") == 114003; }, 10s));
  std::this_thread::sleep_for(2s);
  CHECK(stack.ticket(closed).at("group_id") == 114001);
  CHECK(stack.tierd_notes(closed).empty());
}
