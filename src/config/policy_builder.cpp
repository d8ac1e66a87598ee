#include "config/policy_builder.h"

namespace tierd {
namespace {

using Calendars = std::map<std::string, std::shared_ptr<const WorkCalendar>>;

// The calendar `name` refers to; null for none. InvalidArgument when the name
// is unknown, which the loader has already refused, so this is only reached
// with a Config built by hand.
Result<std::shared_ptr<const WorkCalendar>> resolve(const Calendars& calendars,
                                                    const std::optional<std::string>& name,
                                                    const std::string& path) {
  if (!name) return std::shared_ptr<const WorkCalendar>();
  auto it = calendars.find(*name);
  if (it == calendars.end()) return Status::InvalidArgument(path + ": unknown calendar " + *name);
  return it->second;
}

}  // namespace

Result<std::shared_ptr<const Policy>> build_policy(const Config& config) {
  Calendars calendars;
  for (const auto& [name, spec] : config.calendars) {
    auto built = WorkCalendar::create(spec);
    if (!built.ok())
      return Status::InvalidArgument("calendars." + name + ": " + built.status().message());
    calendars[name] = std::make_shared<const WorkCalendar>(std::move(built).value());
  }

  auto policy = std::make_shared<Policy>();
  // The config's tiers and review are the policy's own types plus calendar
  // names: copy the policy part, then resolve the name.
  for (size_t i = 0; i < config.tiers.size(); ++i) {
    const TierConfig& t = config.tiers[i];
    TierPolicy tier = t;
    auto calendar =
        resolve(calendars, t.calendar_name, "tiers[" + std::to_string(i) + "].calendar");
    if (!calendar.ok()) return calendar.status();
    tier.calendar = *calendar;
    policy->tiers.push_back(std::move(tier));
  }
  if (config.review) {
    ReviewPolicy review = *config.review;
    auto calendar = resolve(calendars, config.review->calendar_name, "review.calendar");
    if (!calendar.ok()) return calendar.status();
    review.calendar = *calendar;
    policy->review = std::move(review);
  }
  for (const auto& [agent, name] : config.availability.schedules) {
    auto calendar = resolve(calendars, name, "availability.schedules." + std::to_string(agent));
    if (!calendar.ok()) return calendar.status();
    policy->availability.schedules[agent] = *calendar;
  }
  policy->tags = config.tags;
  policy->routes = config.routes;
  policy->routing_rules = config.routing_rules;
  policy->api_user_id = config.zendesk.api_user_id;
  policy->shadow = config.mode == RunMode::kShadow;
  return std::shared_ptr<const Policy>(std::move(policy));
}

}  // namespace tierd
