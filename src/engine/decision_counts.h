// DecisionCounts: what one decision adds to the tier analytics that
// /metrics exports — the live counterpart of `tierd report`'s numbers, for a
// dashboard that must not wait for the report.
//
// count_decision() reads the decision's audit notes and the ticket's status
// before and after it; it is pure, so the engine calls it while processing
// and adds the counts to Metrics only once the commit that records the
// decision has succeeded (a failed commit is processed again).
//
//   moves        tier changes: tierd's escalations and de-escalations (cause
//                "timer" or "manual_tag", as the escalate note says) and an
//                agent's move of the ticket to another tier (cause
//                "agent_move"), each with its from/to tier names
//   bounce_backs moves down a tier by an agent (also in `moves`)
//   review_escalations  review budgets that ran out (the ticket went to the
//                review leads)
//   solved_in    the tier a ticket was in when it became solved or closed
//   reopened_in  the tier a solved ticket was in when it was reopened
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/decide.h"
#include "core/policy.h"
#include "core/ticket_state.h"

namespace tierd {

struct TierMove {
  std::string from;
  std::string to;
  std::string cause;  // "timer", "manual_tag", "agent_move"
};

struct DecisionCounts {
  std::vector<TierMove> moves;
  std::vector<TierMove> bounce_backs;
  int review_escalations = 0;
  std::optional<std::string> solved_in;
  std::optional<std::string> reopened_in;
};

DecisionCounts count_decision(const TicketState& before, const Decision& decision,
                              const Policy& policy);

}  // namespace tierd
