// Roster: the live facts about agents that assignment needs and that are not
// ticket state — who belongs to which group, who is marked away, how many open
// tickets each agent holds in tierd's mirror, and where each round-robin pool
// stopped last. decide() reads it (core/decide.h); the engine
// (src/engine/engine.h) owns the one Roster, refreshes membership and away
// marks from the helpdesk, keeps the open counts in step with every commit and
// stores the cursors durably.
//
// A plain value: the engine thread owns it; decide() gets a const reference.
// An empty Roster means nobody is available.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/policy.h"
#include "core/ticket.h"
#include "core/ticket_state.h"
#include "core/time.h"

namespace tierd {

struct Roster {
  std::map<GroupId, std::set<UserId>> members;  // group memberships as last read
  std::set<UserId> away;                        // agents marked away at the helpdesk
  std::map<UserId, int64_t> open_tickets;       // open tickets assigned, per agent
  std::map<std::string, UserId> cursors;        // round-robin pool -> the agent picked last

  // True when `agent` is a member of `group`, not marked away and, if the
  // policy gives them a schedule, inside its working hours at `now`.
  bool available(UserId agent, GroupId group, Instant now, const AvailabilityPolicy& policy) const;
  int64_t open_count(UserId agent) const;
};

// The round-robin pool names used as cursor keys.
std::string route_cursor_key(const std::string& route_name);
inline const char* review_cursor_key() {
  return "review";
}

// The agent an open ticket counts against: the assignee a pending write is
// about to set, else the mirrored assignee; nullopt for solved, closed or
// deleted tickets and unassigned ones.
std::optional<UserId> open_assignee(const TicketState& state);

}  // namespace tierd
