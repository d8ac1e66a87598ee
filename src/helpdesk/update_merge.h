// merge_writes(): folds one ticket's pending TicketWrites, oldest first, into
// the single vendor update the OutboxSender sends. Pure.
//
// The group, assignee and tag list are the ticket's once every write has
// landed on it in order (core's ticket_after_write(), starting from the
// first write's base tags), each sent only when some write changes it. The
// update is stamped with the first write's base updated_at (safe update), so
// a concurrent change anywhere on the ticket makes the vendor refuse the
// whole update rather than overwrite it. Followers and custom fields to
// clear: the union.
// Notes: joined by a blank line, each keeping its marker.
#pragma once

#include <vector>

#include "core/ticket_write.h"
#include "helpdesk/helpdesk_api.h"

namespace tierd {

// Returns InvalidArgument for an empty list or writes of different tickets.
Result<TicketUpdate> merge_writes(const std::vector<TicketWrite>& writes);

}  // namespace tierd
