// Moves between tiers (decide.h: "At `at_risk_share` of the budget the
// at-risk tag is added; when the budget is used up the ticket moves to the
// next tier's first group..." and "An agent's escalate (deescalate) tag moves
// the ticket up (down) at once."), and the tag fixes after an agent's move.
//
// A move is one write carrying the group, the tier tags, the follower and
// the note together, so the helpdesk never shows a half-moved ticket; the
// clock of the stay stops when the move is asked for and the next tier's
// starts when it lands (mirror_fold.cpp), so time in flight counts nowhere.
#include <algorithm>

#include "core/decide_steps.h"

namespace tierd::decide_detail {
namespace {

// Moves the ticket to `to_tier`'s first group. `why` completes the sentence
// "Escalated from tier1 to tier2 by tierd ...".
void move_ticket(Step& st, int to_tier, const std::string& why, const json& reason) {
  TicketState& s = st.s;
  const TierPolicy& from = st.policy.tiers[static_cast<size_t>(s.stay.tier)];
  const TierPolicy& to = st.policy.tiers[static_cast<size_t>(to_tier)];
  const TagNames& tags = st.policy.tags;
  bool up = to_tier > s.stay.tier;
  Duration used = used_at(s, st.policy, st.now);

  TicketWrite w = new_write(st, up ? "escalate" : "deescalate");
  w.set_group = to.groups.front();
  std::string follower_sentence;
  if (s.ticket.assignee_id) {
    w.add_followers.push_back(*s.ticket.assignee_id);
    if (!to.keep_assignee) {
      w.clear_assignee = true;
      follower_sentence = " The previous assignee (user " + std::to_string(*s.ticket.assignee_id) +
                          ") stays on the ticket as a follower.";
    }
  }
  w.add_tags.push_back(tags.tier_tag(to_tier));
  if (up) w.add_tags.push_back(tags.escalated);
  add_unique(w.remove_tags, tags.tier_tag(s.stay.tier));
  for (const auto& t : s.ticket.tags) {
    int tagged = st.policy.tier_of_tag(t);
    if (tagged >= 0 && tagged != to_tier) add_unique(w.remove_tags, t);
  }
  if (s.stay.at_risk || s.ticket.has_tag(tags.at_risk)) add_unique(w.remove_tags, tags.at_risk);
  if (s.ticket.has_tag(tags.escalate)) add_unique(w.remove_tags, tags.escalate);
  if (s.ticket.has_tag(tags.deescalate)) add_unique(w.remove_tags, tags.deescalate);
  std::erase_if(w.remove_tags, [&](const std::string& t) {
    return std::find(w.add_tags.begin(), w.add_tags.end(), t) != w.add_tags.end();
  });
  w.note = std::string(up ? "Escalated" : "Moved back") + " from " + from.name + " to " + to.name +
           " by tierd " + why + "." + follower_sentence + " " + write_marker(w.idempotency_key);

  json detail = reason;
  detail["from"] = from.name;
  detail["to"] = to.name;
  detail["to_group"] = *w.set_group;
  detail["used_ms"] = used.count();
  detail["key"] = w.idempotency_key;
  if (s.ticket.assignee_id) detail["follower"] = *s.ticket.assignee_id;
  st.audit(up ? "escalate" : "deescalate", std::move(detail));

  // The clock of this stay stops here; the next tier's starts when the move lands.
  s.stay.used = used;
  s.stay.running_since.reset();
  push_write(st, std::move(w), to.groups.front(), to_tier);
}

// Writes a note removing a request tag tierd cannot act on.
void refuse_request_tag(Step& st, const std::string& tag, const std::string& why) {
  TicketWrite w = new_write(st, "clear_tag");
  w.remove_tags.push_back(tag);
  w.note =
      "tierd did not act on the tag " + tag + ": " + why + ". " + write_marker(w.idempotency_key);
  st.audit("refused", {{"tag", tag}, {"reason", why}, {"key", w.idempotency_key}});
  push_write(st, std::move(w));
}

}  // namespace

void retag_after_move(Step& st, bool was_at_risk) {
  TicketState& s = st.s;
  const TagNames& tags = st.policy.tags;
  if (s.has_pending("retag")) return;
  TicketWrite w = new_write(st, "retag");
  bool had_tier_tag = false;
  for (const auto& t : s.ticket.tags) {
    int tagged = st.policy.tier_of_tag(t);
    if (tagged >= 0) had_tier_tag = true;
    if (tagged >= 0 && tagged != s.stay.tier) w.remove_tags.push_back(t);
  }
  if (had_tier_tag && s.stay.tier >= 0 && !s.ticket.has_tag(tags.tier_tag(s.stay.tier))) {
    w.add_tags.push_back(tags.tier_tag(s.stay.tier));
  }
  if (was_at_risk || s.ticket.has_tag(tags.at_risk)) {
    if (s.ticket.has_tag(tags.at_risk) || was_at_risk) w.remove_tags.push_back(tags.at_risk);
  }
  if (w.add_tags.empty() && w.remove_tags.empty()) {
    --s.next_write_seq;  // nothing to write; the key was never used
    return;
  }
  st.audit("retag", {{"reason", "the ticket changed tier by hand"},
                     {"add", w.add_tags},
                     {"remove", w.remove_tags},
                     {"key", w.idempotency_key}});
  push_write(st, std::move(w));
}

bool handle_tier_requests(Step& st) {
  TicketState& s = st.s;
  const TagNames& tags = st.policy.tags;
  // After a move of this stay was refused for good (dead-lettered), request
  // tags wait for a person: asking again would be refused again, and the
  // dead letter already tells the operator.
  bool in_motion = moving(s) || s.stay.escalation_blocked;
  int last = static_cast<int>(st.policy.tiers.size()) - 1;

  if (!in_motion && s.ticket.has_tag(tags.escalate) && !s.pending_removes_tag(tags.escalate)) {
    if (s.stay.tier >= 0 && s.stay.tier < last) {
      const TierPolicy& tier = *st.tier();
      Duration used = used_at(s, st.policy, st.now);
      auto budget = tier.budget_for(s.ticket.priority);
      std::string why =
          "because an agent added the tag " + tags.escalate + " (" + format_duration(used) +
          " of handling time used" +
          (budget ? " of " + tier.name + "'s " + format_duration(*budget) + " budget" : "") + ")";
      move_ticket(st, s.stay.tier + 1, why,
                  {{"reason", "manual"}, {"cause", "manual_tag"}, {"tag", tags.escalate}});
      return true;
    }
    refuse_request_tag(st, tags.escalate,
                       s.stay.tier < 0
                           ? "the ticket is not in a tiered group"
                           : "the ticket is already in the last tier (" + st.tier()->name + ")");
  }
  if (!in_motion && s.ticket.has_tag(tags.deescalate) && !s.pending_removes_tag(tags.deescalate)) {
    if (s.stay.tier > 0) {
      move_ticket(st, s.stay.tier - 1, "because an agent added the tag " + tags.deescalate,
                  {{"reason", "manual"}, {"cause", "manual_tag"}, {"tag", tags.deescalate}});
      return true;
    }
    refuse_request_tag(st, tags.deescalate,
                       s.stay.tier < 0 ? "the ticket is not in a tiered group"
                                       : "the ticket is already in the first tier");
  }
  return false;
}

bool check_tier_budget(Step& st) {
  TicketState& s = st.s;
  if (!s.stay.running_since) return false;
  const TagNames& tags = st.policy.tags;
  const TierPolicy& tier = *st.tier();
  auto budget = tier.budget_for(s.ticket.priority);
  if (!budget) return false;
  int last = static_cast<int>(st.policy.tiers.size()) - 1;
  Duration used = used_at(s, st.policy, st.now);
  if (used >= *budget && s.stay.tier < last && !s.stay.escalation_blocked) {
    std::string priority = s.ticket.priority ? priority_name(*s.ticket.priority) : "none";
    std::string why = "after " + format_duration(used) + " of handling time in " + tier.name +
                      ", over its " + format_duration(*budget) + " budget for " + priority +
                      "-priority tickets";
    move_ticket(st, s.stay.tier + 1, why,
                {{"reason", "budget"},
                 {"cause", "timer"},
                 {"budget_ms", budget->count()},
                 {"priority", priority},
                 {"policy", tier.name},
                 {"stay_ms", (st.now - s.stay.entered_at).count()}});
    return true;
  }
  Duration threshold = share_of(*budget, tier.at_risk_share);
  if (!s.stay.at_risk && used >= threshold) {
    s.stay.at_risk = true;
    // Already tagged, by an agent or in an earlier stay.
    if (s.ticket.has_tag(tags.at_risk)) return false;
    TicketWrite w = new_write(st, "at_risk");
    w.add_tags.push_back(tags.at_risk);
    st.audit("at_risk", {{"tier", tier.name},
                         {"used_ms", used.count()},
                         {"budget_ms", budget->count()},
                         {"share", tier.at_risk_share},
                         {"key", w.idempotency_key}});
    push_write(st, std::move(w));
  }
  return false;
}

}  // namespace tierd::decide_detail
