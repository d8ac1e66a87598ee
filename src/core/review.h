// Review-and-forward helpers for decide(): which routing rule a ticket
// matches, whether a ticket asks to be forwarded (tag or field) and to which
// route, and which agent a route or the review pool picks. Pure functions of
// their arguments; decide() (core/decide.h) turns their answers into writes.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "core/policy.h"
#include "core/roster.h"
#include "core/ticket_state.h"

namespace tierd {

// True when every non-empty list of `c` matches the ticket.
bool rule_matches(const RoutingCondition& c, const TicketSnapshot& t);
// The first rule of the policy that matches, or null.
const RoutingRule* first_matching_rule(const Policy& policy, const TicketSnapshot& t);

// A forward asked for by a tierd_forward_<route> tag or the forward field.
struct ForwardRequest {
  std::string route;        // as asked; may name no route
  std::string tag;          // the tag that asked, empty when the field did
  std::string field_value;  // the field's value, empty when a tag asked
  bool operator==(const ForwardRequest&) const = default;
};

// The forward the ticket asks for now, or nullopt. A tag tierd is already
// removing, or a field value already acted on, asks for nothing. The tag wins
// over the field when both are set.
std::optional<ForwardRequest> forward_request(const TicketState& s, const Policy& policy);

// The outcome of picking an agent.
struct AgentPick {
  std::optional<UserId> agent;                           // nullopt: nobody
  std::string reason;                                    // why nobody, for the audit trail
  std::optional<std::pair<std::string, UserId>> cursor;  // round-robin advance to store
};

// Picks the agent for a ticket forwarded along `route` (see RouteAssign);
// only agents available in the route's group at `now` count.
AgentPick pick_route_agent(const RoutePolicy& route, const TicketSnapshot& t, const Roster& roster,
                           Instant now, const AvailabilityPolicy& availability);
// Picks a reviewer round-robin among the review policy's reviewers available
// in `group` (the ticket's review group) at `now`.
AgentPick pick_reviewer(const ReviewPolicy& review, GroupId group, const Roster& roster,
                        Instant now, const AvailabilityPolicy& availability);

}  // namespace tierd
