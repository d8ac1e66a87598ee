#include "engine/decision_counts.h"

namespace tierd {
namespace {

bool is_solved(TicketStatus s) {
  return s == TicketStatus::kSolved || s == TicketStatus::kClosed;
}

}  // namespace

DecisionCounts count_decision(const TicketState& before, const Decision& decision,
                              const Policy& policy) {
  DecisionCounts counts;
  for (const auto& note : decision.audit) {
    const nlohmann::json& d = note.detail;
    if (note.kind == "escalate" || note.kind == "deescalate") {
      counts.moves.push_back({d.value("from", ""), d.value("to", ""),
                              escalation_cause(d.value("cause", ""), d.value("reason", ""))});
    } else if (note.kind == "tier_left" && d.value("how", "") == "agent") {
      TierMove move{d.value("tier", ""), d.value("to", ""), "agent_move"};
      const int from = policy.tier_named(move.from);
      const int to = policy.tier_named(move.to);
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
    counts.solved_in = policy.tier_name(decision.state.stay.tier);
  } else if (was_solved && !now_solved && decision.state.ticket.status != TicketStatus::kDeleted) {
    counts.reopened_in = policy.tier_name(decision.state.stay.tier);
  }
  return counts;
}

}  // namespace tierd
