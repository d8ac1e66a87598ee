// Readers for the policy sections of the config: tiers, tags, review, routes,
// routing rules and agent availability.
#include <algorithm>

#include "config/config_sections.h"

namespace tierd::config_detail {
namespace {

constexpr std::string_view kPriorityNames[] = {"low", "normal", "high", "urgent"};

// Lower-case letters, digits and '_' — safe inside tags and metric labels.
bool is_simple_name(std::string_view name, bool allow_dash) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-');
  });
}

// Reads "name": required, unique among `taken` (names of earlier entries),
// and of the simple-name syntax.
void read_name(ObjectReader& r, std::string& out, std::vector<std::string>& taken,
               const std::string& list_path, bool allow_dash, std::string_view why) {
  if (!r.read_string("name", out, true)) return;
  if (!is_simple_name(out, allow_dash)) {
    r.problems().add(r.path_of("name"), std::string("expected lower-case letters, digits") +
                                            (allow_dash ? ", -" : "") + " and _ (" +
                                            std::string(why) + "), got \"" + out + "\"");
  }
  auto it = std::find(taken.begin(), taken.end(), out);
  if (it != taken.end()) {
    r.problems().add(r.path_of("name"),
                     "\"" + out + "\" is already the name of " +
                         index_path(list_path, static_cast<size_t>(it - taken.begin())));
  }
}

bool read_priority_list(ObjectReader& r, std::string_view key, std::vector<Priority>& out) {
  std::vector<std::string> names;
  if (!r.read_string_list(key, names)) return false;
  bool ok = true;
  for (size_t i = 0; i < names.size(); ++i) {
    auto p = parse_priority(names[i]);
    if (!p || *p == Priority::kNone || ascii_lower(names[i]) != names[i]) {
      r.problems().add(index_path(r.path_of(key), i),
                       "expected " +
                           quoted_choices({std::begin(kPriorityNames), std::end(kPriorityNames)}) +
                           ", got \"" + names[i] + "\"");
      ok = false;
      continue;
    }
    out.push_back(*p);
  }
  return ok;
}

std::vector<TicketStatus> read_clock_statuses(ObjectReader& r, std::vector<TicketStatus> fallback) {
  std::vector<std::string> statuses;
  if (!r.read_string_list("clock_statuses", statuses)) return fallback;
  std::vector<TicketStatus> parsed;
  for (size_t i = 0; i < statuses.size(); ++i) {
    const std::string& s = statuses[i];
    std::string element_path = index_path(r.path_of("clock_statuses"), i);
    if (s != "new" && s != "open" && s != "pending" && s != "hold") {
      r.problems().add(element_path,
                       "expected \"new\", \"open\", \"pending\" or \"hold\", got \"" + s + "\"");
      continue;
    }
    TicketStatus status = parse_ticket_status(s);
    if (std::find(parsed.begin(), parsed.end(), status) != parsed.end()) {
      r.problems().add(element_path, "\"" + s + "\" is listed twice");
      continue;
    }
    parsed.push_back(status);
  }
  if (statuses.empty()) {
    r.problems().add(r.path_of("clock_statuses"),
                     "expected a non-empty array (with none the clock never runs)");
  }
  return parsed;
}

// "priority_budgets": {"urgent": "5m", ...}, replacing escalate_after for
// tickets of those priorities (tiers and review alike).
void read_priority_budgets(ObjectReader& r, std::map<Priority, Duration>& out) {
  r.read_object("priority_budgets", [&](ObjectReader& b) {
    for (std::string_view name : kPriorityNames) {
      Duration budget{0};
      if (b.read_duration(name, budget)) out[*parse_priority(name)] = budget;
    }
  });
}

TierConfig read_tier(ObjectReader& r, size_t index, size_t tier_count, const Config& config,
                     std::vector<std::string>& names) {
  TierConfig tier;
  tier.at_risk_share = config.at_risk.share;
  read_name(r, tier.name, names, "tiers", true, "it appears in notes and metrics");
  r.read_id_list("groups", tier.groups, "group ids", true, true);

  bool has_budget = r.has("escalate_after");
  r.read_duration("escalate_after", tier.budget);
  if (!has_budget && index + 1 < tier_count) {
    r.problems().add(r.path_of("escalate_after"),
                     "required on every tier but the last (when should tickets move on?)");
  }

  read_priority_budgets(r, tier.priority_budgets);

  std::string calendar;
  if (r.read_string("calendar", calendar)) tier.calendar_name = calendar;
  tier.clock_statuses = read_clock_statuses(r, tier.clock_statuses);
  r.read_bool("keep_assignee", tier.keep_assignee);
  r.read_fraction("at_risk_share", tier.at_risk_share, 0.0, false, 1.0, false);
  return tier;
}

RoutePolicy read_route(ObjectReader& r, std::vector<std::string>& names) {
  RoutePolicy route;
  read_name(r, route.name, names, "routes", false, "it is the end of the forward tag");
  r.read_id("group", route.group, true);
  bool agents_ok = r.read_id_list("agents", route.agents, "user ids", false);
  bool agents_bad = r.has("agents") && !agents_ok;

  std::string assign;
  bool assign_bad = false;
  if (r.read_choice("assign", assign, {"round_robin", "least_open", "skills", "none"})) {
    route.assign = assign == "least_open" ? RouteAssign::kLeastOpen
                   : assign == "skills"   ? RouteAssign::kSkills
                   : assign == "none"     ? RouteAssign::kNone
                                          : RouteAssign::kRoundRobin;
  } else {
    assign_bad = r.has("assign");
  }

  r.read_named("skills", [&](ObjectReader& skills, const std::string& key) {
    std::string skill_path = skills.path_of(key);
    auto agent = parse_positive_id(key);
    if (!agent) {
      r.problems().add(skill_path, "expected an agent id as the key, got \"" + key + "\"");
      return;
    }
    if (!agents_bad &&
        std::find(route.agents.begin(), route.agents.end(), *agent) == route.agents.end()) {
      r.problems().add(skill_path, "agent " + key + " is not listed in " + r.path_of("agents"));
    }
    std::vector<std::string> agent_tags;
    skills.read_tag_list(key, agent_tags);
    route.skills[*agent] = agent_tags;
  });

  if (!assign_bad && !agents_bad && route.assign != RouteAssign::kNone && route.agents.empty() &&
      r.is_object()) {
    r.problems().add(r.path_of("agents"), "assign \"" + (assign.empty() ? "round_robin" : assign) +
                                              "\" needs at least one agent (or use \"none\")");
  }
  if (route.assign == RouteAssign::kSkills && !r.has("skills") && r.is_object()) {
    r.problems().add(r.path_of("skills"), "required when assign is \"skills\"");
  }
  return route;
}

void read_condition(ObjectReader& when, RoutingCondition& c) {
  if (when.read_string_list("channel", c.channels)) {
    for (auto& channel : c.channels) channel = ascii_lower(channel);
  }
  when.read_id_list("form_id", c.form_ids, "form ids", false);
  read_priority_list(when, "priority", c.priorities);
  when.read_tag_list("tags_any", c.tags_any);
  when.read_tag_list("tags_all", c.tags_all);
  when.read_id_list("organization_id", c.organization_ids, "organization ids", false);
  if (when.read_string_list("keywords", c.keywords)) {
    for (auto& keyword : c.keywords) keyword = ascii_lower(keyword);
  }
}

}  // namespace

void read_tiers(ObjectReader& root, Config& config) {
  std::vector<std::string> names;
  root.read_object_array("tiers", "tiers", /*non_empty=*/true, /*required=*/true,
                         [&](ObjectReader& r, size_t index, size_t count) {
                           config.tiers.push_back(read_tier(r, index, count, config, names));
                           names.push_back(config.tiers.back().name);
                         });
}

void read_tags(ObjectReader& root, Config& config) {
  root.read_object("tags", [&](ObjectReader& r) {
    TagNames& tags = config.tags;
    r.read_tag("escalate", tags.escalate);
    r.read_tag("deescalate", tags.deescalate);
    r.read_tag("tier_prefix", tags.tier_prefix);
    r.read_tag("escalated", tags.escalated);
    r.read_tag("at_risk", tags.at_risk);
    r.read_tag("forward_prefix", tags.forward_prefix);
  });
}

void read_review(ObjectReader& root, Config& config) {
  root.read_object("review", [&](ObjectReader& r) {
    ReviewConfig review;
    review.at_risk_share = config.at_risk.share;
    r.read_id_list("groups", review.groups, "group ids", true, true);
    r.read_tag("tag", review.tag);
    r.read_duration("escalate_after", review.budget);
    read_priority_budgets(r, review.priority_budgets);
    r.read_id("lead_group", review.lead_group);
    bool reviewers_ok = r.read_id_list("reviewers", review.reviewers, "user ids", false);
    bool reviewers_bad = r.has("reviewers") && !reviewers_ok;
    r.read_bool("assign_reviewer", review.assign_reviewer);
    r.read_id("forward_field_id", review.forward_field_id);
    std::string calendar;
    if (r.read_string("calendar", calendar)) review.calendar_name = calendar;
    if (review.assign_reviewer && review.reviewers.empty() && !reviewers_bad) {
      r.problems().add(r.path_of("reviewers"),
                       "must list at least one reviewer when assign_reviewer is true");
    }
    if (r.is_object()) config.review = review;
  });
}

void read_routes(ObjectReader& root, Config& config) {
  std::vector<std::string> names;
  root.read_object_array("routes", "routes", /*non_empty=*/false, /*required=*/false,
                         [&](ObjectReader& r, size_t, size_t) {
                           config.routes.push_back(read_route(r, names));
                           names.push_back(config.routes.back().name);
                         });
}

void read_routing_rules(ObjectReader& root, Config& config) {
  std::vector<std::string> names;
  root.read_object_array(
      "routing_rules", "rules", /*non_empty=*/false, /*required=*/false,
      [&](ObjectReader& r, size_t, size_t) {
        RoutingRule rule;
        read_name(r, rule.name, names, "routing_rules", true,
                  "it appears in notes and the audit log");
        names.push_back(rule.name);
        r.read_object("when", [&](ObjectReader& when) { read_condition(when, rule.when); });
        r.read_string("route", rule.route, true);
        std::string action;
        if (r.read_choice("action", action, {"forward", "suggest"})) {
          rule.forward = action == "forward";
        }
        config.routing_rules.push_back(std::move(rule));
      });
}

void read_availability(ObjectReader& root, Config& config) {
  root.read_object("availability", [&](ObjectReader& r) {
    AvailabilityConfig& a = config.availability;
    std::string away;
    if (r.read_tag("away_user_tag", away)) a.away_user_tag = away;
    r.read_named("schedules", [&](ObjectReader& schedules, const std::string& key) {
      auto agent = parse_positive_id(key);
      if (!agent) {
        r.problems().add(schedules.path_of(key),
                         "expected an agent id as the key, got \"" + key + "\"");
        return;
      }
      std::string name;
      if (schedules.read_string(key, name)) a.schedules[*agent] = name;
    });
    r.read_duration("refresh", a.refresh);
  });
}

}  // namespace tierd::config_detail
