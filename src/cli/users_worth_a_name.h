// The users whose names the status page and `tierd report` show, for the
// daemon's UserDirectory (engine/user_directory.h) to read: the assignees of
// the mirrored tickets, and the agents and reviewers of the last month's
// report. It scans the store; the directory calls it about once a day, on
// its own thread.
#pragma once

#include <vector>

#include "core/policy.h"
#include "core/ticket.h"
#include "core/time.h"
#include "store/store.h"

namespace tierd {

std::vector<UserId> users_worth_a_name(Store& store, const Policy& policy, Instant now);

}  // namespace tierd
