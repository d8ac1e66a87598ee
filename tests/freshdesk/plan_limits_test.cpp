// The per-plan sub-limits tierd paces Freshdesk's Update Ticket and List
// All Tickets by, from the account-wide limit its answers report.
#include <catch2/catch.hpp>

#include "freshdesk/plan_limits.h"

using namespace tierd;

TEST_CASE("freshdesk: each documented plan's total names its update and list limits",
          "[freshdesk][rate]") {
  struct Row {
    int total, updates, lists;
  };
  const Row rows[] = {
      {200, 80, 20}, {400, 160, 100}, {700, 280, 200}, {1000, 400, 300}, {2000, 800, 400}};
  for (const Row& row : rows) {
    const FreshdeskPlanLimits plan = freshdesk_plan_limits(row.total);
    INFO("total " << row.total);
    CHECK(plan.requests_per_minute == row.total);
    CHECK(plan.updates_per_minute == row.updates);
    CHECK(plan.lists_per_minute == row.lists);
  }
}

TEST_CASE("freshdesk: a total no plan names gets the Growth plan's proportions",
          "[freshdesk][rate]") {
  const FreshdeskPlanLimits trial = freshdesk_plan_limits(50);
  CHECK(trial.requests_per_minute == 50);
  CHECK(trial.updates_per_minute == 20);
  CHECK(trial.lists_per_minute == 5);
  const FreshdeskPlanLimits tiny = freshdesk_plan_limits(3);
  CHECK(tiny.updates_per_minute == 1);
  CHECK(tiny.lists_per_minute == 1);
  CHECK(freshdesk_plan_limits(0).updates_per_minute == 1);
}
