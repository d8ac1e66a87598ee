// Folding the helpdesk's reports into the mirror (decide.h: "A ticket is in
// the tier that owns its group. Entering a tier, however it happens, starts
// a fresh stay..." and "Echoes of tierd's own writes change nothing.").
//
// Every report — a webhook event, a full snapshot, the vendor's answer to a
// write — ends in fold_snapshot(), so there is one place that decides
// whether a group change is tierd's move landing or an agent's move, and one
// place that restarts stays. The helpdesk stamps updated_at in whole
// seconds, which is why most of the care below is about reports stamped in
// the same second as the mirror.
#include <algorithm>

#include "core/decide_steps.h"
#include "core/review.h"

namespace tierd::decide_detail {
namespace {

// How a ticket entered a tier when one of tierd's moves landed.
std::string landing_how(const std::string& kind) {
  if (kind == "escalate") return "escalation";
  if (kind == "deescalate") return "deescalation";
  if (kind == "review_escalate") return "review_escalation";
  return kind;  // "forward"
}

bool by_api_user(const Policy& p, std::optional<UserId> actor) {
  return actor && p.api_user_id && *actor == *p.api_user_id;
}

// Someone other than tierd changed the ticket's group. Recorded for every
// such move, within a tier and outside the tiers too (tier_left says only
// when a tier changes): reports count a move soon after a forward as a
// misroute.
void note_group_moved(Step& st, std::optional<GroupId> from_group, int to_tier,
                      std::optional<UserId> actor) {
  const TicketState& s = st.s;
  json detail{{"cause", "agent_move"},
              {"from_group", from_group ? json(*from_group) : json()},
              {"to_group", s.ticket.group_id ? json(*s.ticket.group_id) : json()},
              {"from_tier", st.policy.tier_name(s.stay.tier)},
              {"to_tier", st.policy.tier_name(to_tier)}};
  if (actor) detail["actor"] = *actor;
  st.audit("group_moved", std::move(detail));
}

// An event that carries no snapshot: apply what it says to the mirror.
TicketSnapshot snapshot_from_change(const TicketState& s, const TicketEvent& e) {
  TicketSnapshot t = apply_change(s.ticket, e);
  t.id = e.ticket_id;
  t.updated_at.reset();  // unknown: never let a partial change look newer than a snapshot
  if (s.ticket.updated_at) t.updated_at = s.ticket.updated_at;
  return t;
}

}  // namespace

void fold_snapshot(Step& st, const TicketSnapshot& snap, Instant at, Origin origin,
                   std::optional<UserId> actor) {
  TicketState& s = st.s;
  // The helpdesk's updated_at has whole seconds. An echo of tierd's own write
  // stamped in the same second as the mirror is no newer than it: the
  // write's confirmation already brought the state it caused, and a later
  // write in that second may have changed it again.
  bool own_echo = origin == Origin::kEvent && by_api_user(st.policy, actor);
  if (s.known && snap.updated_at && s.ticket.updated_at &&
      (*snap.updated_at < *s.ticket.updated_at ||
       (own_echo && *snap.updated_at == *s.ticket.updated_at))) {
    st.audit("stale_ignored", {{"updated_at", format_instant(*snap.updated_at)},
                               {"known_updated_at", format_instant(*s.ticket.updated_at)}});
    return;
  }
  bool first = !s.known;
  std::optional<GroupId> old_group = s.ticket.group_id;
  merge_snapshot(s.ticket, snap);
  s.id = snap.id;
  s.known = true;
  const bool by_tierd = origin == Origin::kOwnWrite || by_api_user(st.policy, actor);

  int new_tier = st.policy.tier_of_group(s.ticket.group_id);
  auto landed = s.pending.end();
  if (!first && old_group != s.ticket.group_id) {
    landed = std::find_if(s.pending.begin(), s.pending.end(), [&](const PendingWrite& p) {
      return p.to_group && p.to_group == s.ticket.group_id;
    });
    if (landed == s.pending.end() && !by_tierd) note_group_moved(st, old_group, new_tier, actor);
  }
  if (landed != s.pending.end()) {
    std::string how = landing_how(landed->kind);
    s.pending.erase(landed);
    if (new_tier != s.stay.tier) enter_tier(st, new_tier, at, how);
  } else if (new_tier != s.stay.tier || first) {
    if (first) {
      Instant entered = at;
      if (origin == Origin::kCreated && s.ticket.created_at)
        entered = std::min(*s.ticket.created_at, at);
      enter_tier(st, new_tier, entered, origin == Origin::kCreated ? "created" : "first_seen");
      at = entered;
    } else {
      bool was_at_risk = s.stay.at_risk;
      enter_tier(st, new_tier, at, by_tierd ? "tierd" : "agent");
      if (!by_tierd) retag_after_move(st, was_at_risk);
    }
  }
  sync_clock(st, at);
  sync_review_stay(st, at);
}

void fold_event(Step& st, const TicketEvent& e) {
  TicketState& s = st.s;
  Instant at = e.time.time_since_epoch().count() == 0 ? st.now : std::min(e.time, st.now);
  if (e.kind == EventKind::kUnknown) return;
  const bool own = by_api_user(st.policy, e.actor_id);
  if (own && e.kind == EventKind::kTagsChanged && s.known && !s.deleted) {
    note_overwritten_tags(st, e);
  }
  if (s.id == 0) s.id = e.ticket_id;
  if (e.kind == EventKind::kDeleted) {
    s.deleted = true;
    st.audit("deleted", {{"type", e.type}});
  } else if (e.kind == EventKind::kUndeleted) {
    s.deleted = false;
  }
  auto request_before = forward_request(s, st.policy);
  // The helpdesk stamps updated_at in whole seconds, so a change event
  // stamped in the same second as the mirror may describe the ticket before
  // or after tierd's own write of that second (a delivery can come late).
  // Its one change is safe either way; its full snapshot is not.
  const bool same_second = e.has_snapshot && s.known && e.ticket.updated_at &&
                           s.ticket.updated_at && *e.ticket.updated_at == *s.ticket.updated_at;
  const bool change_kind = e.kind != EventKind::kCreated && e.kind != EventKind::kSnapshot &&
                           e.kind != EventKind::kUnknown;
  // After shadow mode the mirror shows the ticket as tierd's unwritten
  // writes would have left it. A full snapshot from the helpdesk would undo
  // them, as if an agent had moved the ticket back; take only what changed.
  const bool virtual_mirror = s.known && !s.shadow_writes.empty();
  if (virtual_mirror && change_kind) {
    TicketSnapshot t = snapshot_from_change(s, e);
    if (e.has_snapshot && e.ticket.updated_at &&
        (!t.updated_at || *e.ticket.updated_at > *t.updated_at)) {
      t.updated_at = e.ticket.updated_at;
    }
    fold_snapshot(st, t, at, Origin::kEvent, e.actor_id);
  } else if (virtual_mirror && e.has_snapshot) {
    TicketSnapshot t = e.ticket;
    t.group_id = s.ticket.group_id;
    t.assignee_id = s.ticket.assignee_id;
    t.tags = s.ticket.tags;
    t.tags_known = s.ticket.tags_known;
    fold_snapshot(st, t, at, Origin::kEvent, e.actor_id);
  } else if (same_second && change_kind) {
    fold_snapshot(st, snapshot_from_change(s, e), at, Origin::kEvent, e.actor_id);
  } else if (e.has_snapshot) {
    fold_snapshot(st, e.ticket, at,
                  e.kind == EventKind::kCreated ? Origin::kCreated : Origin::kEvent, e.actor_id);
    // Event details carry no custom fields; the change itself does.
    if (e.kind == EventKind::kCustomFieldChanged && e.custom_field && s.known) {
      set_custom_field(s.ticket, *e.custom_field);
    }
  } else if (s.known) {
    fold_snapshot(st, snapshot_from_change(s, e), at, Origin::kEvent, e.actor_id);
  } else {
    st.audit("ignored",
             {{"reason", "a change to a ticket tierd has not seen yet, without its state"},
              {"type", e.type}});
  }
  // The person whose change asked for a forward is the reviewer who forwarded.
  auto request_after = forward_request(s, st.policy);
  if (request_after && request_after != request_before) {
    if (e.actor_id && *e.actor_id > 0 && !own) s.forward_actor = e.actor_id;
  }
  if (s.deleted) {
    sync_clock(st, at);
    sync_review_clock(st, at);
  }
}

}  // namespace tierd::decide_detail
