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

TierConfig read_tier(ObjectReader& r, size_t index, size_t tier_count, const Config& config,
                     std::vector<std::string>& names) {
  TierConfig tier;
  tier.at_risk_share = config.at_risk.share;
  read_name(r, tier.name, names, "tiers", true, "it appears in notes and metrics");
  r.read_id_list("groups", tier.groups, "group ids", true, true);

  bool has_budget = r.has("escalate_after");
  r.read_duration("escalate_after", tier.escalate_after);
  if (!has_budget && index + 1 < tier_count) {
    r.problems().add(r.path_of("escalate_after"),
                     "required on every tier but the last (when should tickets move on?)");
  }

  if (const json* budgets = r.get("priority_budgets")) {
    ObjectReader b(budgets, r.path_of("priority_budgets"), r.problems());
    for (std::string_view name : kPriorityNames) {
      Duration budget{0};
      if (b.read_duration(name, budget)) tier.priority_budgets[*parse_priority(name)] = budget;
    }
    b.finish();
  }

  r.read_string("calendar", tier.calendar.emplace());
  if (tier.calendar->empty()) tier.calendar.reset();

  std::vector<std::string> statuses;
  if (r.read_string_list("clock_statuses", statuses)) {
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
    tier.clock_statuses = parsed;
  }

  r.read_bool("keep_assignee", tier.keep_assignee);
  r.read_fraction("at_risk_share", tier.at_risk_share, 0.0, false, 1.0, false);
  r.finish();
  return tier;
}

}  // namespace

void read_tiers(const json* value, Config& config, ConfigProblems& problems) {
  if (value == nullptr) return;  // reported as missing by the root reader
  if (!value->is_array() || value->empty()) {
    problems.add("tiers", "expected a non-empty array of tiers, got " + describe(*value));
    return;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < value->size(); ++i) {
    ObjectReader r(&(*value)[i], index_path("tiers", i), problems);
    config.tiers.push_back(read_tier(r, i, value->size(), config, names));
    names.push_back(config.tiers.back().name);
  }
}

void read_tags(const json* value, Config& config, ConfigProblems& problems) {
  ObjectReader r(value, "tags", problems);
  TagConfig& tags = config.tags;
  r.read_tag("escalate", tags.escalate);
  r.read_tag("deescalate", tags.deescalate);
  r.read_tag("tier_prefix", tags.tier_prefix);
  r.read_tag("escalated", tags.escalated);
  r.read_tag("at_risk", tags.at_risk);
  r.read_tag("forward_prefix", tags.forward_prefix);
  r.finish();
}

void read_review(const json* value, Config& config, ConfigProblems& problems) {
  if (value == nullptr) return;
  ObjectReader r(value, "review", problems);
  if (!r.is_object()) return;
  ReviewConfig review;
  r.read_id_list("groups", review.groups, "group ids", true, true);
  r.read_tag("tag", review.tag);
  r.read_duration("escalate_after", review.escalate_after);
  r.read_id("lead_group", review.lead_group);
  bool reviewers_ok = r.read_id_list("reviewers", review.reviewers, "user ids", false);
  bool reviewers_bad = r.has("reviewers") && !reviewers_ok;
  r.read_bool("assign_reviewer", review.assign_reviewer);
  r.read_id("forward_field_id", review.forward_field_id);
  std::string calendar;
  if (r.read_string("calendar", calendar)) review.calendar = calendar;
  r.finish();
  if (review.assign_reviewer && review.reviewers.empty() && !reviewers_bad) {
    problems.add(r.path_of("reviewers"),
                 "must list at least one reviewer when assign_reviewer is true");
  }
  config.review = review;
}

void read_routes(const json* value, Config& config, ConfigProblems& problems) {
  if (value == nullptr) return;
  if (!value->is_array()) {
    problems.add("routes", "expected an array of routes, got " + describe(*value));
    return;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < value->size(); ++i) {
    ObjectReader r(&(*value)[i], index_path("routes", i), problems);
    RouteConfig route;
    read_name(r, route.name, names, "routes", false, "it is the end of the forward tag");
    names.push_back(route.name);
    r.read_id("group", route.group, true);
    bool agents_ok = r.read_id_list("agents", route.agents, "user ids", false);
    bool agents_bad = r.has("agents") && !agents_ok;

    std::string assign;
    bool assign_bad = false;
    if (r.read_choice("assign", assign, {"round_robin", "least_open", "skills", "none"})) {
      route.assign = assign == "least_open" ? AssignStrategy::kLeastOpen
                     : assign == "skills"   ? AssignStrategy::kSkills
                     : assign == "none"     ? AssignStrategy::kNone
                                            : AssignStrategy::kRoundRobin;
    } else {
      assign_bad = r.has("assign");
    }

    if (const json* skills = r.get("skills")) {
      ObjectReader s(skills, r.path_of("skills"), problems);
      if (s.is_object()) {
        for (const auto& [key, tags] : skills->items()) {
          s.allow(key);
          std::string skill_path = s.path_of(key);
          auto agent = parse_positive_id(key);
          if (!agent) {
            problems.add(skill_path, "expected an agent id as the key, got \"" + key + "\"");
            continue;
          }
          if (!agents_bad &&
              std::find(route.agents.begin(), route.agents.end(), *agent) == route.agents.end()) {
            problems.add(skill_path, "agent " + key + " is not listed in " + r.path_of("agents"));
          }
          std::vector<std::string> agent_tags;
          s.read_tag_list(key, agent_tags);
          route.skills[*agent] = agent_tags;
        }
      }
      s.finish();
    }
    r.finish();

    if (!assign_bad && !agents_bad && route.assign != AssignStrategy::kNone &&
        route.agents.empty() && r.is_object()) {
      problems.add(r.path_of("agents"), "assign \"" + (assign.empty() ? "round_robin" : assign) +
                                            "\" needs at least one agent (or use \"none\")");
    }
    if (route.assign == AssignStrategy::kSkills && !r.has("skills") && r.is_object()) {
      problems.add(r.path_of("skills"), "required when assign is \"skills\"");
    }
    config.routes.push_back(std::move(route));
  }
}

void read_routing_rules(const json* value, Config& config, ConfigProblems& problems) {
  if (value == nullptr) return;
  if (!value->is_array()) {
    problems.add("routing_rules", "expected an array of rules, got " + describe(*value));
    return;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < value->size(); ++i) {
    ObjectReader r(&(*value)[i], index_path("routing_rules", i), problems);
    RoutingRuleConfig rule;
    read_name(r, rule.name, names, "routing_rules", true, "it appears in notes and the audit log");
    names.push_back(rule.name);

    ObjectReader when(r.get("when"), r.path_of("when"), problems);
    RuleCondition& c = rule.when;
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
    when.finish();

    r.read_string("route", rule.route, true);
    std::string action;
    if (r.read_choice("action", action, {"forward", "suggest"})) {
      rule.action = action == "forward" ? RuleAction::kForward : RuleAction::kSuggest;
    }
    r.finish();
    config.routing_rules.push_back(std::move(rule));
  }
}

void read_availability(const json* value, Config& config, ConfigProblems& problems) {
  ObjectReader r(value, "availability", problems);
  AvailabilityConfig& a = config.availability;
  std::string away;
  if (r.read_tag("away_user_tag", away)) a.away_user_tag = away;
  if (const json* schedules = r.get("schedules")) {
    ObjectReader s(schedules, r.path_of("schedules"), problems);
    if (s.is_object()) {
      for (const auto& [key, calendar] : schedules->items()) {
        s.allow(key);
        auto agent = parse_positive_id(key);
        if (!agent) {
          problems.add(s.path_of(key), "expected an agent id as the key, got \"" + key + "\"");
          continue;
        }
        std::string name;
        if (s.read_string(key, name)) a.schedules[*agent] = name;
      }
    }
    s.finish();
  }
  r.read_duration("refresh", a.refresh);
  r.finish();
}

}  // namespace tierd::config_detail
