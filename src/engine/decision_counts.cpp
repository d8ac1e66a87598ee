#include "engine/decision_counts.h"

namespace tierd {
namespace {

bool is_solved(TicketStatus s) {
  return s == TicketStatus::kSolved || s == TicketStatus::kClosed;
}

// The tier's position in the policy; -1 for a name the policy does not have
// (a tier removed by a reload, or "none").
int tier_position(const Policy& policy, const std::string& name) {
  for (size_t i = 0; i < policy.tiers.size(); ++i) {
    if (policy.tiers[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string tier_name(const Policy& policy, int index) {
  if (index < 0 || static_cast<size_t>(index) >= policy.tiers.size()) return "none";
  return policy.tiers[static_cast<size_t>(index)].name;
}

// Trails written before escalate notes named their cause give only the
// reason; the report reads them the same way.
std::string escalation_cause(const nlohmann::json& detail) {
  std::string cause = detail.value("cause", "");
  if (!cause.empty()) return cause;
  return detail.value("reason", "") == "budget" ? "timer" : "manual_tag";
}

}  // namespace

DecisionCounts count_decision(const TicketState& before, const Decision& decision,
                              const Policy& policy) {
  DecisionCounts counts;
  for (const auto& note : decision.audit) {
    const nlohmann::json& d = note.detail;
    if (note.kind == "escalate" || note.kind == "deescalate") {
      counts.moves.push_back({d.value("from", ""), d.value("to", ""), escalation_cause(d)});
    } else if (note.kind == "tier_left" && d.value("how", "") == "agent") {
      TierMove move{d.value("tier", ""), d.value("to", ""), "agent_move"};
      const int from = tier_position(policy, move.from);
      const int to = tier_position(policy, move.to);
      // A move out of the tiers (or into them) is not a tier change.
      if (from < 0 || to < 0 || from == to) continue;
      if (to < from) counts.bounce_backs.push_back(move);
      counts.moves.push_back(std::move(move));
    } else if (note.kind == "review_escalated") {
      ++counts.review_escalations;
    }
  }
  const bool was_solved = is_solved(before.ticket.status);
  const bool now_solved = is_solved(decision.state.ticket.status);
  // A ticket first seen already solved was not solved under tierd's watch.
  const bool known_before = before.ticket.status != TicketStatus::kUnknown;
  if (known_before && !was_solved && now_solved) {
    counts.solved_in = tier_name(policy, decision.state.stay.tier);
  } else if (was_solved && !now_solved && decision.state.ticket.status != TicketStatus::kDeleted) {
    counts.reopened_in = tier_name(policy, decision.state.stay.tier);
  }
  return counts;
}

}  // namespace tierd
