#include "config/policy_builder.h"

namespace tierd {

Result<std::shared_ptr<const Policy>> build_policy(const Config& config) {
  auto policy = std::make_shared<Policy>();
  std::map<std::string, std::shared_ptr<const WorkCalendar>> calendars;
  for (const auto& [name, cal] : config.calendars) {
    CalendarSpec spec;
    spec.timezone = cal.timezone;
    for (size_t day = 0; day < 7; ++day) {
      for (const auto& iv : cal.weekly[day])
        spec.weekly[day].push_back({iv.start_minute, iv.end_minute});
    }
    spec.holidays = cal.holidays;
    auto built = WorkCalendar::create(spec);
    if (!built.ok())
      return Status::InvalidArgument("calendars." + name + ": " + built.status().message());
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
  policy->shadow = config.mode == RunMode::kShadow;

  if (config.review) {
    const ReviewConfig& r = *config.review;
    ReviewPolicy review;
    review.groups = r.groups;
    review.tag = r.tag;
    review.budget = r.escalate_after;
    review.lead_group = r.lead_group;
    review.reviewers = r.reviewers;
    review.assign_reviewer = r.assign_reviewer;
    review.forward_field_id = r.forward_field_id;
    if (r.calendar) {
      auto it = calendars.find(*r.calendar);
      if (it == calendars.end())
        return Status::InvalidArgument("review.calendar: unknown calendar " + *r.calendar);
      review.calendar = it->second;
    }
    review.at_risk_share = config.at_risk.share;
    policy->review = std::move(review);
  }
  for (const auto& r : config.routes) {
    RoutePolicy route;
    route.name = r.name;
    route.group = r.group;
    route.agents = r.agents;
    route.assign = r.assign == AssignStrategy::kLeastOpen ? RouteAssign::kLeastOpen
                   : r.assign == AssignStrategy::kSkills  ? RouteAssign::kSkills
                   : r.assign == AssignStrategy::kNone    ? RouteAssign::kNone
                                                          : RouteAssign::kRoundRobin;
    route.skills = r.skills;
    policy->routes.push_back(std::move(route));
  }
  for (const auto& r : config.routing_rules) {
    RoutingRule rule;
    rule.name = r.name;
    rule.when.channels = r.when.channels;
    rule.when.form_ids = r.when.form_ids;
    rule.when.priorities = r.when.priorities;
    rule.when.tags_any = r.when.tags_any;
    rule.when.tags_all = r.when.tags_all;
    rule.when.organization_ids = r.when.organization_ids;
    rule.when.keywords = r.when.keywords;
    rule.route = r.route;
    rule.forward = r.action == RuleAction::kForward;
    policy->routing_rules.push_back(std::move(rule));
  }
  for (const auto& [agent, calendar] : config.availability.schedules) {
    auto it = calendars.find(calendar);
    if (it == calendars.end()) {
      return Status::InvalidArgument("availability.schedules." + std::to_string(agent) +
                                     ": unknown calendar " + calendar);
    }
    policy->availability.schedules[agent] = it->second;
  }
  return std::shared_ptr<const Policy>(std::move(policy));
}

}  // namespace tierd
