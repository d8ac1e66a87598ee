// Policy: the rules decide() applies, in the core's own terms (built from
// the config by src/daemon/policy_builder.h). Immutable once built; shared
// read-only by the engine thread and the CLI tools.
#pragma once

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
  std::string name;                // "tier1"; appears in notes and reports
  std::vector<GroupId> groups;     // escalations land in groups[0]
  std::optional<Duration> budget;  // handling time allowed; none on the last tier
  std::map<Priority, Duration> priority_budgets;  // override `budget` by priority
  // Statuses in which the handling clock runs (others pause it).
  std::vector<TicketStatus> clock_statuses{TicketStatus::kNew, TicketStatus::kOpen};
  // Whether a ticket escalated INTO this tier keeps its assignee.
  bool keep_assignee = false;
  double at_risk_share = 0.8;      // of the budget; at or past it the ticket is at risk
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

  std::string tier_tag(int tier_index) const { return tier_prefix + std::to_string(tier_index + 1); }
};

struct Policy {
  std::vector<TierPolicy> tiers;  // in escalation order
  TagNames tags;
  // The integration's own API user: changes it makes are tierd's own writes
  // coming back, never an agent's manual move.
  std::optional<UserId> api_user_id;

  // Index of the tier that owns `group`, or -1.
  int tier_of_group(std::optional<GroupId> group) const;
  // The tier a tierd_tier<N> tag names, or -1.
  int tier_of_tag(std::string_view tag) const;
};

}  // namespace tierd
