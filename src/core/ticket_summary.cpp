#include "core/ticket_summary.h"

#include "core/roster.h"

namespace tierd {

TicketSummary summarise(const TicketState& state) {
  TicketSummary s;
  s.open_assignee = open_assignee(state);
  if (state.stay.running_since && state.stay.tier >= 0) s.running_tier = state.stay.tier;
  s.shadow_writes = !state.shadow_writes.empty();
  return s;
}

}  // namespace tierd
