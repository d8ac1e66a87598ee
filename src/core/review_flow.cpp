// The review stay (decide.h: "Review: a ticket arriving in a review group
// gets the review tag and, if configured, a reviewer...; a matching "forward"
// routing rule forwards it at once instead, a "suggest" rule names its route
// in a note. The review clock ... tags it at risk and, over the review
// budget, moves it to the lead group.").
//
// review.cpp answers the questions (which rule matches, which reviewer is
// next); this file turns the answers into writes and keeps the review clock.
// The review clock is accounted like the tier clock (tier_clock.cpp) but on
// its own stay and calendar, because a review group may belong to no tier
// and a ticket can be in both.
#include <algorithm>

#include "core/decide_steps.h"
#include "core/review.h"

namespace tierd::decide_detail {
namespace {

bool review_clock_should_run(const TicketState& s, const Policy& p) {
  if (!p.review || !p.review->has_budget() || !s.review.active || s.deleted || !s.known)
    return false;
  if (moving(s)) return false;
  return p.review->clock_runs_in(s.ticket.status);
}

// The ticket has just arrived in review: a "forward" rule sends it on;
// otherwise it gets the review tag, a reviewer if configured, and a note
// with the route a "suggest" rule proposes. Returns true when forwarded.
bool enter_review(Step& st) {
  TicketState& s = st.s;
  const ReviewPolicy& review = *st.policy.review;
  s.review.entry_written = true;
  const RoutingRule* rule = first_matching_rule(st.policy, s.ticket);
  const RoutePolicy* rule_route = rule ? st.policy.route(rule->route) : nullptr;
  if (rule_route && rule->forward) {
    forward(st, *rule_route, rule, "rule");
    return true;
  }

  TicketWrite w = new_write(st, "review");
  if (!s.ticket.has_tag(review.tag)) w.add_tags.push_back(review.tag);
  json entered{{"group", *s.ticket.group_id}, {"tag", review.tag}};
  std::optional<UserId> reviewer;
  if (review.assign_reviewer && !s.ticket.assignee_id) {
    AgentPick pick =
        pick_reviewer(review, *s.ticket.group_id, st.roster, st.now, st.policy.availability);
    if (pick.agent) {
      reviewer = pick.agent;
      w.set_assignee = pick.agent;
      if (pick.cursor) st.d.cursor_updates[pick.cursor->first] = pick.cursor->second;
    } else {
      st.audit("reviewer_unassigned", {{"reason", pick.reason}});
    }
  }
  if (rule_route) {
    s.review.suggested_route = rule_route->name;
    entered["suggested_route"] = rule_route->name;
    entered["rule"] = rule->name;
    w.note = "The routing rule " + rule->name + " suggests the route " + rule_route->name +
             ": to forward there, add the tag " + st.policy.tags.forward_prefix + rule_route->name +
             (review.forward_field_id ? " or choose " + rule_route->name + " in the forward field"
                                      : "") +
             ". " + write_marker(w.idempotency_key);
  }
  if (w.add_tags.empty() && !w.set_assignee && !w.note) {
    --s.next_write_seq;  // nothing to write; the key was never used
  } else {
    entered["key"] = w.idempotency_key;
  }
  st.audit("review_entered", std::move(entered));
  if (reviewer) st.audit("reviewer_assigned", {{"reviewer_id", *reviewer}});
  if (!w.add_tags.empty() || w.set_assignee || w.note) push_write(st, std::move(w));
  return false;
}

// Over the review budget: to the lead group, the reviewer kept as follower.
void escalate_review(Step& st, Duration used, Duration budget) {
  TicketState& s = st.s;
  const ReviewPolicy& review = *st.policy.review;
  GroupId lead = *review.lead_group;
  TicketWrite w = new_write(st, "review_escalate");
  w.set_group = lead;
  std::string follower_sentence;
  if (s.ticket.assignee_id) {
    w.clear_assignee = true;
    w.add_followers.push_back(*s.ticket.assignee_id);
    follower_sentence = " The reviewer (user " + std::to_string(*s.ticket.assignee_id) +
                        ") stays on the ticket as a follower.";
  }
  w.remove_tags.push_back(review.tag);
  if (s.ticket.has_tag(st.policy.tags.at_risk) || s.review.at_risk)
    add_unique(w.remove_tags, st.policy.tags.at_risk);
  w.note = "Moved to the review leads (group " + std::to_string(lead) + ") by tierd after " +
           format_duration(used) + " of review time, over the review budget of " +
           format_duration(budget) + "." + follower_sentence + " " +
           write_marker(w.idempotency_key);
  st.audit("review_escalated", {{"cause", "review_budget"},
                                {"lead_group", lead},
                                {"budget_ms", budget.count()},
                                {"used_ms", used.count()},
                                {"from_group", *s.ticket.group_id},
                                {"key", w.idempotency_key}});
  s.review.used = used;
  s.review.running_since.reset();
  push_write(st, std::move(w), lead, st.policy.tier_of_group(lead));
}

// The review clock: at risk at the share, to the leads past the budget.
// Returns true when the ticket is on its way to the leads.
bool check_review_budget(Step& st) {
  TicketState& s = st.s;
  const ReviewPolicy& review = *st.policy.review;
  const std::optional<Duration> budget = review.budget_for(s.ticket.priority);
  if (!s.review.running_since || !budget) return false;
  Duration used = review_used_at(s, st.policy, st.now);
  if (used >= *budget && review.lead_group && !s.review.escalation_blocked) {
    escalate_review(st, used, *budget);
    return true;
  }
  Duration threshold = share_of(*budget, review.at_risk_share);
  if (!s.review.at_risk && used >= threshold) {
    s.review.at_risk = true;
    if (s.ticket.has_tag(st.policy.tags.at_risk)) return false;
    TicketWrite w = new_write(st, "at_risk");
    w.add_tags.push_back(st.policy.tags.at_risk);
    st.audit("at_risk", {{"stage", "review"},
                         {"used_ms", used.count()},
                         {"budget_ms", budget->count()},
                         {"share", review.at_risk_share},
                         {"key", w.idempotency_key}});
    push_write(st, std::move(w));
  }
  return false;
}

}  // namespace

Duration review_used_at(const TicketState& s, const Policy& p, Instant t) {
  if (!p.review) return s.review.used;
  Duration used = s.review.used;
  if (s.review.running_since)
    used += working_time(p.review->calendar.get(), *s.review.running_since, t);
  return used;
}

void sync_review_clock(Step& st, Instant at) {
  TicketState& s = st.s;
  auto switched = switch_clock(review_clock_should_run(s, st.policy), s.review.used,
                               s.review.running_since, s.review.entered_at, at,
                               [&](Instant t) { return review_used_at(s, st.policy, t); });
  if (!switched) return;
  st.audit(s.review.running_since ? "review_clock_running" : "review_clock_paused",
           {{"status", ticket_status_name(s.ticket.status)},
            {"used_ms", s.review.used.count()},
            {"at", format_instant(*switched)}});
}

void sync_review_stay(Step& st, Instant at) {
  TicketState& s = st.s;
  bool in_review = st.policy.is_review_group(s.ticket.group_id);
  if (in_review && !s.review.active) {
    s.review = ReviewStay{};
    s.review.active = true;
    s.review.entered_at = at;
  } else if (!in_review && s.review.active) {
    json detail{{"used_ms", review_used_at(s, st.policy, at).count()},
                {"stay_ms", (at - s.review.entered_at).count()}};
    detail["to_group"] = s.ticket.group_id ? json(*s.ticket.group_id) : json();
    st.audit("review_left", std::move(detail));
    s.review = ReviewStay{};
  }
  sync_review_clock(st, at);
}

bool handle_review(Step& st) {
  TicketState& s = st.s;
  if (!s.review.active || !st.policy.review) return false;
  if (!s.review.entry_written && !moving(s) && enter_review(st)) return true;
  return check_review_budget(st);
}

}  // namespace tierd::decide_detail
