// Policy: the rules decide() applies, in the core's own terms: tiers and
// their clocks, the review stage, routes a reviewer forwards to, routing
// rules, and the working hours of agents. The config loader reads its
// sections straight into these types, and build_policy()
// (config/policy_builder.h) only resolves calendar names and adds the few
// config-wide values; a new policy field is therefore declared here once,
// read once in the loader and described in config/tierd.schema.json.
// Immutable once built; shared read-only by the engine thread and the CLI
// tools.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

struct TierPolicy {
  std::string name;                               // "tier1"; appears in notes and reports
  std::vector<GroupId> groups;                    // escalations land in groups[0]
  std::optional<Duration> budget;                 // handling time allowed; none on the last tier
  std::map<Priority, Duration> priority_budgets;  // override `budget` by priority
  // Statuses in which the handling clock runs (others pause it).
  std::vector<TicketStatus> clock_statuses{TicketStatus::kNew, TicketStatus::kOpen};
  // Whether a ticket escalated INTO this tier keeps its assignee.
  bool keep_assignee = false;
  double at_risk_share = 0.8;  // of the budget; at or past it the ticket is at risk
  // Working hours; null means always open.
  std::shared_ptr<const WorkCalendar> calendar;

  bool clock_runs_in(TicketStatus s) const;
  // The budget for a ticket of this priority; nullopt when the tier has none.
  std::optional<Duration> budget_for(std::optional<Priority> p) const;
};

struct TagNames {
  std::string escalate = "tierd_escalate";      // an agent asks: move up now
  std::string deescalate = "tierd_deescalate";  // an agent asks: move down now
  std::string tier_prefix = "tierd_tier";       // + 1-based tier number
  std::string escalated = "tierd_escalated";
  std::string at_risk = "tierd_at_risk";
  std::string forward_prefix = "tierd_forward_";

  std::string tier_tag(int tier_index) const {
    return tier_prefix + std::to_string(tier_index + 1);
  }
};

// How a route picks the agent who gets a forwarded ticket.
enum class RouteAssign {
  kRoundRobin,  // the next available agent after the one picked last (a durable cursor)
  kLeastOpen,   // the available agent with the fewest open tickets; ties: lowest id
  kSkills,      // most skill tags on the ticket; ties: fewest open, then lowest id
  kNone,        // nobody: the ticket lands in the route's group unassigned
};

// A named destination a reviewer (or a rule) forwards tickets to.
struct RoutePolicy {
  std::string name;  // the suffix of the forward tag: tierd_forward_<name>
  GroupId group = 0;
  std::vector<UserId> agents;  // in round-robin order
  RouteAssign assign = RouteAssign::kRoundRobin;
  std::map<UserId, std::vector<std::string>> skills;  // agent -> tags they handle
};

// All non-empty lists must match; within a list any entry may.
struct RoutingCondition {
  std::vector<std::string> channels;  // lower-case
  std::vector<int64_t> form_ids;
  std::vector<Priority> priorities;
  std::vector<std::string> tags_any;
  std::vector<std::string> tags_all;
  std::vector<int64_t> organization_ids;
  std::vector<std::string> keywords;  // lower-case; found in the subject or description

  // No condition at all: the rule matches every ticket.
  bool empty() const {
    return channels.empty() && form_ids.empty() && priorities.empty() && tags_any.empty() &&
           tags_all.empty() && organization_ids.empty() && keywords.empty();
  }
};

struct RoutingRule {
  std::string name;
  RoutingCondition when;
  std::string route;
  bool forward = false;  // true: forward at once, skipping review; false: suggest the route
};

// The review stage: tickets arriving in a review group are tagged, optionally
// given to a reviewer, and wait for a forward; overdue ones go to the leads.
struct ReviewPolicy {
  std::vector<GroupId> groups;
  std::string tag = "tierd_review";
  std::optional<Duration> budget;                 // review time allowed; none: no limit
  std::map<Priority, Duration> priority_budgets;  // override `budget` by priority
  std::optional<GroupId> lead_group;              // where overdue reviews go
  std::vector<UserId> reviewers;                  // in round-robin order
  bool assign_reviewer = false;
  std::optional<int64_t> forward_field_id;       // a dropdown whose value names a route
  std::shared_ptr<const WorkCalendar> calendar;  // null: always open
  double at_risk_share = 0.8;
  std::vector<TicketStatus> clock_statuses{TicketStatus::kNew, TicketStatus::kOpen};

  bool clock_runs_in(TicketStatus s) const {
    return std::find(clock_statuses.begin(), clock_statuses.end(), s) != clock_statuses.end();
  }
  // Whether any ticket has a review budget (so the review clock runs).
  bool has_budget() const { return budget || !priority_budgets.empty(); }
  // The review budget for a ticket of this priority; nullopt: no limit.
  std::optional<Duration> budget_for(std::optional<Priority> p) const;
};

// When agents work. Who is a member of which group and who is marked away is
// not policy but live data: it reaches decide() in the Roster (core/roster.h).
struct AvailabilityPolicy {
  std::map<UserId, std::shared_ptr<const WorkCalendar>> schedules;  // none: any time
};

struct Policy {
  std::vector<TierPolicy> tiers;  // in escalation order
  TagNames tags;
  std::optional<ReviewPolicy> review;
  std::vector<RoutePolicy> routes;
  std::vector<RoutingRule> routing_rules;  // first match wins
  AvailabilityPolicy availability;
  // The integration's own API user: changes it makes are tierd's own writes
  // coming back, never an agent's manual move.
  std::optional<UserId> api_user_id;
  // Shadow mode: decide and audit as usual, but write nothing to the
  // helpdesk. Each write is settled at once as if it had landed and kept in
  // the ticket's shadow backlog, which going live turns into one write of
  // what is still due (see decide.h).
  bool shadow = false;

  // The tier at `index`, or null (-1, or past the tiers a reload left).
  const TierPolicy* tier_at(int index) const;
  // Its name, or "none".
  std::string tier_name(int index) const;
  // Index of the tier called `name`, or -1 ("none", or a tier a reload removed).
  int tier_named(std::string_view name) const;
  // Index of the tier that owns `group`, or -1.
  int tier_of_group(std::optional<GroupId> group) const;
  // The tier a tierd_tier<N> tag names, or -1.
  int tier_of_tag(std::string_view tag) const;
  bool is_review_group(std::optional<GroupId> group) const {
    if (!review || !group) return false;
    return std::find(review->groups.begin(), review->groups.end(), *group) != review->groups.end();
  }
  // The route named `name`, or null.
  const RoutePolicy* route(std::string_view name) const {
    for (const auto& r : routes) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }
};

}  // namespace tierd
