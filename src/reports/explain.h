// The timeline behind `tierd explain` and the admin API's ticket view: the
// ticket's timeline from the audit log: events received, tiers entered and
// left, the clock running and paused, each action and why, and the writes
// with the vendor's answers.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "core/ticket.h"
#include "reports/local_time.h"
#include "store/store.h"

namespace tierd {

// Writes the timeline of `ticket` to `out`. Returns 0, or 1 when the store
// cannot be read, or 3 when tierd has no record of the ticket.
int print_explanation(Store& store, TicketId ticket, bool json, std::ostream& out, std::ostream& err);

// The same timeline from records already at hand (`tierd simulate --ticket`
// passes the run's), with times in `local`. Prints a line saying so when
// `records` holds nothing of `ticket`.
void print_timeline(TicketId ticket, const std::vector<AuditRecord>& records,
                    const LocalTime& local, std::ostream& out);
}  // namespace tierd
