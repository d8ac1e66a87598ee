// build_policy(): the loader reads the policy sections into the core's own
// types, so the builder's job is the calendars and the config-wide values.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/config_cases.h"
#include "config/policy_builder.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;
using tierd::testing::valid_base;

namespace {

Config parse(const json& document) {
  auto config = parse_config(document.dump(), "policy_test.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  return *config;
}

std::shared_ptr<const Policy> build(const Config& config) {
  auto policy = build_policy(config);
  INFO(policy.status().message());
  REQUIRE(policy.ok());
  return *policy;
}

// 2026-11-23 is a Monday.
Instant at(int day, int hour, int minute) {
  return Instant(date::sys_days{date::year{2026} / 11 / day} + std::chrono::hours(hour) +
                 std::chrono::minutes(minute));
}

}  // namespace

TEST_CASE("build_policy carries every policy section over as read", "[config][policy]") {
  json doc = valid_base();
  doc["mode"] = "shadow";
  doc["zendesk"]["api_user_id"] = 500999;
  doc["at_risk"] = {{"share", 0.7}};
  doc["tiers"][0]["priority_budgets"] = {{"urgent", "5m"}};
  doc["tiers"][0]["clock_statuses"] = {"new", "open", "hold"};
  doc["tiers"][1]["keep_assignee"] = true;
  doc["tiers"][1]["at_risk_share"] = 0.9;
  doc["tags"] = {{"escalate", "up_now"}, {"forward_prefix", "fwd_"}};
  doc["review"] = {{"groups", {114000}},        {"tag", "needs_review"}, {"escalate_after", "10m"},
                   {"lead_group", 114009},      {"reviewers", {500777}}, {"assign_reviewer", true},
                   {"forward_field_id", 360001}};
  doc["routes"][0]["assign"] = "least_open";
  doc["routing_rules"][0]["action"] = "forward";
  doc["routing_rules"][0]["when"]["priority"] = {"urgent"};
  const Config config = parse(doc);
  auto policy = build(config);

  CHECK(policy->shadow);
  CHECK(policy->api_user_id == 500999);
  REQUIRE(policy->tiers.size() == 3);
  CHECK(policy->tiers[0].name == "tier1");
  CHECK(policy->tiers[0].groups == std::vector<GroupId>{114001});
  CHECK(policy->tiers[0].budget == Duration(15min));
  CHECK(policy->tiers[0].budget_for(Priority::kUrgent) == Duration(5min));
  CHECK(policy->tiers[0].clock_runs_in(TicketStatus::kHold));
  CHECK(policy->tiers[0].at_risk_share == Approx(0.7));  // from at_risk.share
  CHECK(policy->tiers[1].keep_assignee);
  CHECK(policy->tiers[1].at_risk_share == Approx(0.9));
  CHECK_FALSE(policy->tiers[2].budget);
  CHECK_FALSE(policy->tiers[0].calendar);
  CHECK(policy->tier_of_group(114002) == 1);
  CHECK(policy->tier_of_group(114000) == -1);

  CHECK(policy->tags.escalate == "up_now");
  CHECK(policy->tags.deescalate == "tierd_deescalate");
  CHECK(policy->tags.tier_tag(1) == "tierd_tier2");
  CHECK(policy->tags.forward_prefix == "fwd_");

  REQUIRE(policy->review);
  CHECK(policy->is_review_group(114000));
  CHECK(policy->review->tag == "needs_review");
  CHECK(policy->review->budget == Duration(10min));
  CHECK(policy->review->lead_group == 114009);
  CHECK(policy->review->reviewers == std::vector<UserId>{500777});
  CHECK(policy->review->assign_reviewer);
  CHECK(policy->review->forward_field_id == 360001);
  CHECK(policy->review->at_risk_share == Approx(0.7));
  CHECK_FALSE(policy->review->calendar);

  REQUIRE(policy->route("billing") != nullptr);
  CHECK(policy->route("billing")->assign == RouteAssign::kLeastOpen);
  CHECK(policy->route("billing")->agents == std::vector<UserId>{500120, 500121});
  REQUIRE(policy->routing_rules.size() == 1);
  CHECK(policy->routing_rules[0].forward);
  CHECK(policy->routing_rules[0].route == "billing");
  CHECK(policy->routing_rules[0].when.priorities == std::vector<Priority>{Priority::kUrgent});
}

TEST_CASE("build_policy resolves calendar names to working hours", "[config][policy]") {
  json doc = valid_base();
  doc["tiers"][0]["calendar"] = "emea";
  doc["review"]["calendar"] = "emea";
  doc["availability"]["schedules"] = {{"500120", "emea"}};
  auto policy = build(parse(doc));

  // emea: Mondays 09:00-17:00 Amsterdam time, UTC+1 in November.
  REQUIRE(policy->tiers[0].calendar);
  CHECK(policy->tiers[0].calendar->timezone() == "Europe/Amsterdam");
  CHECK(policy->tiers[0].calendar->is_open(at(23, 9, 0)));
  CHECK_FALSE(policy->tiers[0].calendar->is_open(at(23, 16, 30)));
  CHECK_FALSE(policy->tiers[1].calendar);
  REQUIRE(policy->review->calendar);
  CHECK(policy->review->calendar == policy->tiers[0].calendar);  // one calendar, shared
  REQUIRE(policy->availability.schedules.count(500120) == 1);
  CHECK(policy->availability.schedules.at(500120) == policy->tiers[0].calendar);
}

TEST_CASE("build_policy refuses a calendar name the config does not define", "[config][policy]") {
  Config config = parse(valid_base());
  config.tiers[1].calendar_name = "apac";  // the loader would have refused it
  auto policy = build_policy(config);
  REQUIRE_FALSE(policy.ok());
  CHECK(policy.status().message() == "tiers[1].calendar: unknown calendar apac");
}
