#include "freshdesk/plan_limits.h"

#include <algorithm>
#include <array>

namespace tierd {

namespace {

constexpr std::array<FreshdeskPlanLimits, 5> kPlans{{
    {200, 80, 20},
    {400, 160, 100},
    {700, 280, 200},
    {1000, 400, 300},
    {2000, 800, 400},
}};

}  // namespace

FreshdeskPlanLimits freshdesk_plan_limits(int requests_per_minute) {
  for (const FreshdeskPlanLimits& plan : kPlans) {
    if (plan.requests_per_minute == requests_per_minute) return plan;
  }
  const int total = std::max(1, requests_per_minute);
  return {total, std::max(1, total * 2 / 5), std::max(1, total / 10)};
}

}  // namespace tierd
