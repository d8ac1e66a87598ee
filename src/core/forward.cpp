// Forwarding (decide.h: "Forward: a tierd_forward_<route> tag or the forward
// field moves the ticket to the route's group with an agent picked by the
// route's strategy ... an unknown route gets a note and the request is
// dropped.").
//
// review.cpp reads the request and picks the agent; this file writes the
// move. A forward drops its own request in the same write, so the helpdesk
// never shows a ticket that has arrived and still asks to go; a field value
// is remembered as consumed because the helpdesk may report it again before
// the clearing lands.
#include <algorithm>

#include "core/decide_steps.h"
#include "core/review.h"

namespace tierd::decide_detail {
namespace {

bool has_prefix(const std::string& s, const std::string& prefix) {
  return s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The forward field's current value, or "" when unset or not configured.
std::string forward_field_value(const TicketState& s, const Policy& p) {
  if (!p.review || !p.review->forward_field_id) return "";
  for (const auto& f : s.ticket.custom_fields) {
    if (f.id == *p.review->forward_field_id) return f.value;
  }
  return "";
}

std::string user_text(std::optional<UserId> user) {
  return user ? "user " + std::to_string(*user) : "an agent";
}

std::string route_names(const Policy& p) {
  std::string out;
  for (const auto& r : p.routes) out += (out.empty() ? "" : ", ") + r.name;
  return out.empty() ? "none configured" : out;
}

// A forward naming no route: say so, drop the request, leave the ticket.
void refuse_forward(Step& st, const ForwardRequest& req) {
  TicketState& s = st.s;
  TicketWrite w = new_write(st, "forward_unknown");
  if (!req.tag.empty()) {
    w.remove_tags.push_back(req.tag);
  } else {
    w.clear_custom_fields.push_back(*st.policy.review->forward_field_id);
    s.consumed_forward_field = req.field_value;
  }
  w.note = "tierd did not forward this ticket: there is no route named \"" + req.route +
           "\" (routes: " + route_names(st.policy) + ")." +
           (s.review.active ? " The ticket stays in review." : "") + " " +
           write_marker(w.idempotency_key);
  st.audit("forward_unknown_route",
           {{"route", req.route},
            {"reviewer_id", s.forward_actor ? json(*s.forward_actor) : json()},
            {"request", req.tag.empty() ? "field" : req.tag},
            {"key", w.idempotency_key}});
  push_write(st, std::move(w));
}

}  // namespace

void forward(Step& st, const RoutePolicy& route, const RoutingRule* rule,
             const std::string& request) {
  TicketState& s = st.s;
  const TagNames& tags = st.policy.tags;
  std::optional<UserId> reviewer = rule ? std::nullopt : s.forward_actor;
  int to_tier = st.policy.tier_of_group(route.group);
  bool group_changes = s.ticket.group_id != route.group;
  AgentPick pick = pick_route_agent(route, s.ticket, st.roster, st.now, st.policy.availability);

  TicketWrite w = new_write(st, "forward");
  w.set_group = route.group;
  if (pick.agent) {
    w.set_assignee = pick.agent;
  } else if (s.ticket.assignee_id ||
             std::any_of(s.pending.begin(), s.pending.end(),
                         [](const PendingWrite& p) { return p.to_assignee.has_value(); })) {
    w.clear_assignee = true;  // the reviewer (assigned or about to be) does not keep it
  }
  if (pick.cursor) st.d.cursor_updates[pick.cursor->first] = pick.cursor->second;
  // Also when the review write that adds the tag is still on its way: the
  // writer applies both in order, and the tag must not outlive the review.
  if (st.policy.review && (s.ticket.has_tag(st.policy.review->tag) || s.review.active)) {
    add_unique(w.remove_tags, st.policy.review->tag);
  }
  for (const auto& t : s.ticket.tags) {
    if (has_prefix(t, tags.forward_prefix)) add_unique(w.remove_tags, t);
  }
  if (group_changes) {
    if (s.ticket.has_tag(tags.at_risk) || s.review.at_risk || s.stay.at_risk)
      add_unique(w.remove_tags, tags.at_risk);
    for (const auto& t : s.ticket.tags) {
      int tagged = st.policy.tier_of_tag(t);
      if (tagged >= 0 && tagged != to_tier) add_unique(w.remove_tags, t);
    }
    if (to_tier >= 0 && !s.ticket.has_tag(tags.tier_tag(to_tier)))
      w.add_tags.push_back(tags.tier_tag(to_tier));
  }
  std::string field = forward_field_value(s, st.policy);
  if (!field.empty()) {
    w.clear_custom_fields.push_back(*st.policy.review->forward_field_id);
    s.consumed_forward_field = field;
  }

  std::string by = rule ? "the routing rule " + rule->name : "reviewer " + user_text(reviewer);
  std::string where = "group " + std::to_string(route.group);
  if (to_tier >= 0) where += " (" + st.policy.tiers[static_cast<size_t>(to_tier)].name + ")";
  std::string who = pick.agent ? " and assigned to user " + std::to_string(*pick.agent)
                    : route.assign == RouteAssign::kNone ? ", unassigned (the route assigns nobody)"
                                                         : ", unassigned: " + pick.reason;
  w.note = "Forwarded to the route " + route.name + " by " + by + ": moved to " + where + who +
           ". " + write_marker(w.idempotency_key);

  json detail{
      {"by", rule ? "rule" : "reviewer"},
      {"reviewer_id", reviewer ? json(*reviewer) : json()},
      {"route", route.name},
      {"to_group", route.group},
      {"to_tier", to_tier >= 0 ? json(st.policy.tiers[static_cast<size_t>(to_tier)].name) : json()},
      {"assignee_id", pick.agent ? json(*pick.agent) : json()},
      {"strategy", route.assign == RouteAssign::kRoundRobin  ? "round_robin"
                   : route.assign == RouteAssign::kLeastOpen ? "least_open"
                   : route.assign == RouteAssign::kSkills    ? "skills"
                                                             : "none"},
      {"request", request},
      {"key", w.idempotency_key}};
  if (rule) detail["rule"] = rule->name;
  if (s.review.active) detail["review_used_ms"] = review_used_at(s, st.policy, st.now).count();
  st.audit("forwarded", std::move(detail));
  if (!pick.agent && route.assign != RouteAssign::kNone) {
    st.audit("unassigned",
             {{"route", route.name}, {"reason", pick.reason}, {"key", w.idempotency_key}});
  }
  push_write(st, std::move(w), route.group, to_tier);
  // Both clocks wait for the move to land.
  sync_clock(st, st.now);
  sync_review_clock(st, st.now);
}

bool handle_forward_request(Step& st) {
  TicketState& s = st.s;
  if (moving(s)) return false;
  if (forward_field_value(s, st.policy).empty()) s.consumed_forward_field.clear();
  auto req = forward_request(s, st.policy);
  if (!req) {
    s.forward_blocked = false;
    s.forward_actor.reset();
    return false;
  }
  if (s.forward_blocked) return false;
  const RoutePolicy* route = st.policy.route(req->route);
  if (!route) {
    refuse_forward(st, *req);
    return false;
  }
  forward(st, *route, nullptr, req->tag.empty() ? "field" : req->tag);
  return true;
}

}  // namespace tierd::decide_detail
