#include "daemon/policy_builder.h"

namespace tierd {

Result<std::shared_ptr<const Policy>> build_policy(const Config& config) {
  auto policy = std::make_shared<Policy>();
  std::map<std::string, std::shared_ptr<const WorkCalendar>> calendars;
  for (const auto& [name, cal] : config.calendars) {
    CalendarSpec spec;
    spec.timezone = cal.timezone;
    for (size_t day = 0; day < 7; ++day) {
      for (const auto& iv : cal.weekly[day]) spec.weekly[day].push_back({iv.start_minute, iv.end_minute});
    }
    spec.holidays = cal.holidays;
    auto built = WorkCalendar::create(spec);
    if (!built.ok()) return Status::InvalidArgument("calendars." + name + ": " + built.status().message());
    calendars[name] = std::make_shared<const WorkCalendar>(std::move(built).value());
  }
  for (const auto& t : config.tiers) {
    TierPolicy tier;
    tier.name = t.name;
    tier.groups = t.groups;
    tier.budget = t.escalate_after;
    tier.priority_budgets = t.priority_budgets;
    tier.clock_statuses = t.clock_statuses;
    tier.keep_assignee = t.keep_assignee;
    tier.at_risk_share = t.at_risk_share;
    if (t.calendar) tier.calendar = calendars.at(*t.calendar);
    policy->tiers.push_back(std::move(tier));
  }
  policy->tags.escalate = config.tags.escalate;
  policy->tags.deescalate = config.tags.deescalate;
  policy->tags.tier_prefix = config.tags.tier_prefix;
  policy->tags.escalated = config.tags.escalated;
  policy->tags.at_risk = config.tags.at_risk;
  policy->tags.forward_prefix = config.tags.forward_prefix;
  policy->api_user_id = config.zendesk.api_user_id;
  return std::shared_ptr<const Policy>(std::move(policy));
}

}  // namespace tierd
