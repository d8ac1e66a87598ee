#include "core/roster.h"

namespace tierd {

bool Roster::available(UserId agent, GroupId group, Instant now,
                       const AvailabilityPolicy& policy) const {
  auto g = members.find(group);
  if (g == members.end() || g->second.count(agent) == 0) return false;
  if (away.count(agent) != 0) return false;
  auto schedule = policy.schedules.find(agent);
  if (schedule != policy.schedules.end() && schedule->second && !schedule->second->is_open(now)) {
    return false;
  }
  return true;
}

int64_t Roster::open_count(UserId agent) const {
  auto it = open_tickets.find(agent);
  return it == open_tickets.end() ? 0 : it->second;
}

std::string route_cursor_key(const std::string& route_name) {
  return "route:" + route_name;
}

std::optional<UserId> open_assignee(const TicketState& state) {
  if (!state.known || state.deleted) return std::nullopt;
  switch (state.ticket.status) {
    case TicketStatus::kSolved:
    case TicketStatus::kClosed:
    case TicketStatus::kDeleted:
      return std::nullopt;
    default:
      break;
  }
  for (auto it = state.pending.rbegin(); it != state.pending.rend(); ++it) {
    if (it->sets_assignee) return it->to_assignee;
  }
  return state.ticket.assignee_id;
}

}  // namespace tierd
