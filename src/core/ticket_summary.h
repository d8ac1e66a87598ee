// TicketSummary: the few facts of a ticket's state that the engine needs
// before it looks at the ticket again — whom the open ticket counts against,
// which tier's handling clock runs, whether shadow mode left writes behind.
//
// The store keeps them in plain columns beside the state document, written in
// the same transaction (store/store.h, EngineCommit::summary), so that a
// restart rebuilds the roster and the clock gauges from them without decoding
// any ticket's state. A plain value; summarise() is pure.
#pragma once

#include <optional>

#include "core/ticket.h"
#include "core/ticket_state.h"

namespace tierd {

struct TicketSummary {
  std::optional<UserId> open_assignee;  // see open_assignee() in core/roster.h
  std::optional<int> running_tier;      // index in Policy::tiers while its clock runs
  bool shadow_writes = false;           // decisions of shadow mode not yet written

  bool operator==(const TicketSummary&) const = default;
};

TicketSummary summarise(const TicketState& state);

}  // namespace tierd
