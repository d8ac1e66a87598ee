#include "core/decide.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/review.h"

namespace tierd {
namespace {

using nlohmann::json;

const TierPolicy* tier_at(const Policy& p, int index) {
  if (index < 0 || index >= static_cast<int>(p.tiers.size())) return nullptr;
  return &p.tiers[static_cast<size_t>(index)];
}

Duration working_time(const TierPolicy& tier, Instant from, Instant to) {
  if (to <= from) return Duration(0);
  return tier.calendar ? tier.calendar->working_time(from, to) : to - from;
}

Instant working_deadline(const TierPolicy& tier, Instant start, Duration d) {
  return tier.calendar ? tier.calendar->deadline_after(start, d) : start + d;
}

Duration share_of(Duration budget, double share) {
  return Duration(static_cast<int64_t>(static_cast<double>(budget.count()) * share));
}

// State shared by the steps of one decision.
struct Step {
  const Policy& policy;
  const Roster& roster;
  Instant now;
  Decision& d;
  TicketState& s;

  void audit(std::string kind, json detail) {
    d.audit.push_back({std::move(kind), std::move(detail)});
  }
  const TierPolicy* tier() const { return tier_at(policy, s.stay.tier); }
  std::string tier_name(int index) const {
    const TierPolicy* t = tier_at(policy, index);
    return t ? t->name : "none";
  }
};

Duration used_at(const TicketState& s, const Policy& p, Instant t) {
  const TierPolicy* tier = tier_at(p, s.stay.tier);
  if (!tier) return Duration(0);
  Duration used = s.stay.used;
  if (s.stay.running_since) used += working_time(*tier, *s.stay.running_since, t);
  return used;
}

// A write that moves the ticket to another group is on its way.
bool moving(const TicketState& s) {
  return s.has_pending("escalate") || s.has_pending("deescalate") || s.has_pending("forward") ||
         s.has_pending("review_escalate") || s.has_pending("go_live");
}

bool clock_should_run(const TicketState& s, const Policy& p) {
  const TierPolicy* tier = tier_at(p, s.stay.tier);
  if (!tier || s.deleted || !s.known) return false;
  if (!tier->budget_for(s.ticket.priority)) return false;  // no budget: nothing to count
  if (moving(s)) return false;
  return tier->clock_runs_in(s.ticket.status);
}

// Starts or pauses the clock to match the ticket's status, as of `at`.
void sync_clock(Step& st, Instant at) {
  TicketState& s = st.s;
  bool run = clock_should_run(s, st.policy);
  if (run && !s.stay.running_since) {
    s.stay.running_since = std::max(at, s.stay.entered_at);
    st.audit("clock_running", {{"tier", st.tier_name(s.stay.tier)},
                               {"status", ticket_status_name(s.ticket.status)},
                               {"used_ms", s.stay.used.count()},
                               {"at", format_instant(*s.stay.running_since)}});
  } else if (!run && s.stay.running_since) {
    Instant pause_at = std::max(at, *s.stay.running_since);
    s.stay.used = used_at(s, st.policy, pause_at);
    s.stay.running_since.reset();
    st.audit("clock_paused", {{"tier", st.tier_name(s.stay.tier)},
                              {"status", ticket_status_name(s.ticket.status)},
                              {"used_ms", s.stay.used.count()},
                              {"at", format_instant(pause_at)}});
  }
}

Duration review_working_time(const ReviewPolicy& review, Instant from, Instant to) {
  if (to <= from) return Duration(0);
  return review.calendar ? review.calendar->working_time(from, to) : to - from;
}

Duration review_used_at(const TicketState& s, const Policy& p, Instant t) {
  if (!p.review) return s.review.used;
  Duration used = s.review.used;
  if (s.review.running_since) used += review_working_time(*p.review, *s.review.running_since, t);
  return used;
}

bool review_clock_should_run(const TicketState& s, const Policy& p) {
  if (!p.review || !p.review->budget || !s.review.active || s.deleted || !s.known) return false;
  if (moving(s)) return false;
  return p.review->clock_runs_in(s.ticket.status);
}

// Starts or pauses the review clock to match the ticket, as of `at`.
void sync_review_clock(Step& st, Instant at) {
  TicketState& s = st.s;
  bool run = review_clock_should_run(s, st.policy);
  if (run && !s.review.running_since) {
    s.review.running_since = std::max(at, s.review.entered_at);
    st.audit("review_clock_running", {{"status", ticket_status_name(s.ticket.status)},
                                      {"used_ms", s.review.used.count()},
                                      {"at", format_instant(*s.review.running_since)}});
  } else if (!run && s.review.running_since) {
    Instant pause_at = std::max(at, *s.review.running_since);
    s.review.used = review_used_at(s, st.policy, pause_at);
    s.review.running_since.reset();
    st.audit("review_clock_paused", {{"status", ticket_status_name(s.ticket.status)},
                                     {"used_ms", s.review.used.count()},
                                     {"at", format_instant(pause_at)}});
  }
}

// Starts or ends the review stay to match the ticket's group, as of `at`.
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

void enter_tier(Step& st, int tier, Instant at, const std::string& how) {
  TicketState& s = st.s;
  if (s.stay.tier >= 0) {
    st.audit("tier_left", {{"tier", st.tier_name(s.stay.tier)},
                           {"used_ms", used_at(s, st.policy, at).count()},
                           {"stay_ms", (at - s.stay.entered_at).count()},
                           {"to", st.tier_name(tier)},
                           {"how", how}});
  }
  s.stay = TierStay{};
  s.stay.tier = tier;
  s.stay.entered_at = at;
  s.stay.entered_by = how;
  if (tier >= 0) {
    json detail{{"tier", st.tier_name(tier)}, {"how", how}, {"at", format_instant(at)}};
    if (s.ticket.group_id) detail["group"] = *s.ticket.group_id;
    st.audit("tier_entered", std::move(detail));
  }
}

TicketWrite new_write(Step& st, std::string kind) {
  TicketWrite w;
  w.kind = std::move(kind);
  w.ticket_id = st.s.id;
  w.idempotency_key = std::to_string(st.s.id) + "-" + std::to_string(st.s.next_write_seq++);
  w.base_tags = st.s.ticket.tags;
  w.base_updated_at = st.s.ticket.updated_at;
  return w;
}

// How many tags tierd remembers having removed on purpose, per ticket.
constexpr size_t kOwnRemovedTagsKept = 32;

void remember_own_removal(TicketState& s, const std::string& tag) {
  if (tag.empty()) return;
  std::erase(s.own_removed_tags, tag);
  s.own_removed_tags.push_back(tag);
  if (s.own_removed_tags.size() > kOwnRemovedTagsKept) {
    s.own_removed_tags.erase(
        s.own_removed_tags.begin(),
        s.own_removed_tags.end() - static_cast<std::ptrdiff_t>(kOwnRemovedTagsKept));
  }
}

void push_write(Step& st, TicketWrite w, std::optional<GroupId> to_group = std::nullopt,
                int to_tier = -1) {
  for (const auto& tag : w.remove_tags) remember_own_removal(st.s, tag);
  // Clearing a dropdown removes the tag of its value too.
  for (int64_t field : w.clear_custom_fields) {
    for (const auto& f : st.s.ticket.custom_fields) {
      if (f.id == field) remember_own_removal(st.s, ascii_lower(f.value));
    }
  }
  PendingWrite p;
  p.key = w.idempotency_key;
  p.kind = w.kind;
  p.to_group = to_group;
  p.to_tier = to_tier;
  p.decided_at = st.now;
  p.removes_tags = w.remove_tags;
  p.sets_assignee = w.set_assignee.has_value() || w.clear_assignee;
  p.to_assignee = w.set_assignee;
  st.s.pending.push_back(std::move(p));
  st.d.writes.push_back(std::move(w));
}

void add_unique(std::vector<std::string>& v, const std::string& tag) {
  if (std::find(v.begin(), v.end(), tag) == v.end()) v.push_back(tag);
}

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

// After an agent moved the ticket between tiers (or out of them), the tags
// tierd set for the old stay would mislead a view; fix them.
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

// How a ticket entered a tier when one of tierd's moves landed.
std::string landing_how(const std::string& kind) {
  if (kind == "escalate") return "escalation";
  if (kind == "deescalate") return "deescalation";
  if (kind == "review_escalate") return "review_escalation";
  return kind;  // "forward"
}

enum class Origin { kCreated, kEvent, kOwnWrite, kReread };

// Folds a vendor snapshot into the mirror and the tier stay, as of `at`.
void fold_snapshot(Step& st, const TicketSnapshot& snap, Instant at, Origin origin,
                   std::optional<UserId> actor) {
  TicketState& s = st.s;
  // The helpdesk's updated_at has whole seconds. An echo of tierd's own write
  // stamped in the same second as the mirror is no newer than it: the
  // write's confirmation already brought the state it caused, and a later
  // write in that second may have changed it again.
  bool own_echo = origin == Origin::kEvent && actor && st.policy.api_user_id &&
                  *actor == *st.policy.api_user_id;
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

  int new_tier = st.policy.tier_of_group(s.ticket.group_id);
  auto landed = s.pending.end();
  if (!first && old_group != s.ticket.group_id) {
    landed = std::find_if(s.pending.begin(), s.pending.end(), [&](const PendingWrite& p) {
      return p.to_group && p.to_group == s.ticket.group_id;
    });
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
      bool by_tierd = origin == Origin::kOwnWrite ||
                      (actor && st.policy.api_user_id && *actor == *st.policy.api_user_id);
      bool was_at_risk = s.stay.at_risk;
      enter_tier(st, new_tier, at, by_tierd ? "tierd" : "agent");
      if (!by_tierd) retag_after_move(st, was_at_risk);
    }
  }
  sync_clock(st, at);
  sync_review_stay(st, at);
}

// An event that carries no snapshot: apply what it says to the mirror.
TicketSnapshot snapshot_from_change(const TicketState& s, const TicketEvent& e) {
  TicketSnapshot t = apply_change(s.ticket, e);
  t.id = e.ticket_id;
  t.updated_at.reset();  // unknown: never let a partial change look newer than a snapshot
  if (s.ticket.updated_at) t.updated_at = s.ticket.updated_at;
  return t;
}

// A tag tierd sets or removes itself.
bool managed_tag(const Policy& p, const std::string& tag) {
  const TagNames& t = p.tags;
  if (p.tier_of_tag(tag) >= 0 || tag == t.escalated || tag == t.at_risk || tag == t.escalate ||
      tag == t.deescalate) {
    return true;
  }
  if (tag.size() > t.forward_prefix.size() &&
      tag.compare(0, t.forward_prefix.size(), t.forward_prefix) == 0)
    return true;
  return p.review && tag == p.review->tag;
}

// tierd sends a ticket's whole tag list with a safe-update stamp, which has
// whole seconds: an agent's tag added in the same second as the version
// tierd based its write on passes the check and is overwritten. The
// helpdesk's echo of that write shows it: tierd "removed" a tag it never
// removes. Such tags are put back by evaluate(). Only the lost direction is
// repaired; nothing tierd does removes an agent's tag on purpose, so this
// cannot loop.
void note_overwritten_tags(Step& st, const TicketEvent& e) {
  TicketState& s = st.s;
  std::vector<std::string> lost;
  for (const auto& tag : e.tags_removed) {
    if (managed_tag(st.policy, tag)) continue;
    if (std::find(s.own_removed_tags.begin(), s.own_removed_tags.end(), tag) !=
        s.own_removed_tags.end())
      continue;
    lost.push_back(tag);
    add_unique(s.tags_to_restore, tag);
  }
  if (!lost.empty()) st.audit("tags_overwritten", {{"tags", lost}});
}

// Asks for the overwritten tags back, once at a time; a refused write
// (conflict) is asked for again on the fresh ticket.
void restore_tags(Step& st) {
  TicketState& s = st.s;
  if (s.tags_to_restore.empty() || s.has_pending("restore_tags")) return;
  if (s.ticket.tags_known) {
    std::erase_if(s.tags_to_restore, [&](const std::string& t) { return s.ticket.has_tag(t); });
  }
  if (s.tags_to_restore.empty()) return;
  TicketWrite w = new_write(st, "restore_tags");
  w.add_tags = s.tags_to_restore;
  std::string names;
  for (const auto& tag : w.add_tags) names += (names.empty() ? "" : ", ") + tag;
  const bool one = w.add_tags.size() == 1;
  w.note = "tierd put back the tag" + std::string(one ? " " : "s ") + names +
           ": its own previous update, made in the same second as a change that added " +
           (one ? "it" : "them") + ", had overwritten the ticket's tags. " +
           write_marker(w.idempotency_key);
  st.audit("tags_restored", {{"tags", w.add_tags}, {"key", w.idempotency_key}});
  push_write(st, std::move(w));
}

void fold_event(Step& st, const TicketEvent& e) {
  TicketState& s = st.s;
  Instant at = e.time.time_since_epoch().count() == 0 ? st.now : std::min(e.time, st.now);
  if (e.kind == EventKind::kUnknown) return;
  const bool own = e.actor_id && st.policy.api_user_id && *e.actor_id == *st.policy.api_user_id;
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
    bool by_tierd = e.actor_id && st.policy.api_user_id && *e.actor_id == *st.policy.api_user_id;
    if (e.actor_id && *e.actor_id > 0 && !by_tierd) s.forward_actor = e.actor_id;
  }
  if (s.deleted) {
    sync_clock(st, at);
    sync_review_clock(st, at);
  }
}

// What the mirror knows a pending write changes: its group, assignee and
// the tags it removes (the tags it adds are not kept with it).
TicketWrite known_part(const PendingWrite& p) {
  TicketWrite w;
  w.set_group = p.to_group;
  if (p.sets_assignee) {
    w.set_assignee = p.to_assignee;
    w.clear_assignee = !p.to_assignee;
  }
  w.remove_tags = p.removes_tags;
  return w;
}

// Applies confirmed writes to the mirror when the vendor's answer carried no
// ticket (bulk jobs answer per ticket with success only; shadow mode
// settles its writes this way too).
void apply_confirmed_without_ticket(Step& st, const std::vector<std::string>& keys) {
  TicketState& s = st.s;
  for (const auto& key : keys) {
    auto it = std::find_if(s.pending.begin(), s.pending.end(),
                           [&](const PendingWrite& p) { return p.key == key; });
    if (it == s.pending.end()) continue;
    if (!it->to_group && !it->sets_assignee && it->removes_tags.empty()) continue;
    // Request tags the write removed must not ask again.
    fold_snapshot(st, ticket_after_write(s.ticket, known_part(*it)), st.now, Origin::kOwnWrite,
                  std::nullopt);
  }
}

void drop_pending(Step& st, const std::vector<std::string>& keys, bool cancelled) {
  TicketState& s = st.s;
  for (const auto& key : keys) {
    auto it = std::find_if(s.pending.begin(), s.pending.end(),
                           [&](const PendingWrite& p) { return p.key == key; });
    if (it == s.pending.end()) continue;
    if (cancelled && it->kind == "at_risk") {  // may be asked for again
      s.stay.at_risk = false;
      s.review.at_risk = false;
    }
    if (cancelled && it->kind == "review") s.review.entry_written = false;
    if (cancelled) st.d.cancelled_writes.push_back(key);
    s.pending.erase(it);
  }
}

bool pending_kind_among(const TicketState& s, const std::vector<std::string>& keys,
                        std::string_view kind) {
  return std::any_of(s.pending.begin(), s.pending.end(), [&](const PendingWrite& p) {
    return p.kind == kind && std::find(keys.begin(), keys.end(), p.key) != keys.end();
  });
}

// The helpdesk refused the going-live write because the ticket changed.
// Its fresh copy is the base for the next try, except for what the backlog
// would have changed (group, assignee): the mirror keeps those, so the stay
// is not taken for an agent's move.
void rebase_virtual_mirror(Step& st, const TicketSnapshot& fresh) {
  TicketState& s = st.s;
  TicketSnapshot t = fresh;
  t.group_id = s.ticket.group_id;
  t.assignee_id = s.ticket.assignee_id;
  merge_snapshot(s.ticket, t);
  st.audit("go_live_rebased",
           {{"updated_at", fresh.updated_at ? json(format_instant(*fresh.updated_at)) : json()}});
}

void fold_write_outcome(Step& st, const Input& in) {
  TicketState& s = st.s;
  switch (in.kind) {
    case InputKind::kWriteConfirmed:
      st.audit("write_confirmed", {{"keys", in.write_keys}, {"detail", in.detail}});
      // The helpdesk now has what the shadow backlog asked for.
      if (pending_kind_among(s, in.write_keys, "go_live")) s.shadow_writes.clear();
      if (pending_kind_among(s, in.write_keys, "restore_tags")) s.tags_to_restore.clear();
      if (in.vendor_ticket) {
        fold_snapshot(st, *in.vendor_ticket, st.now, Origin::kOwnWrite, std::nullopt);
      } else {
        apply_confirmed_without_ticket(st, in.write_keys);
      }
      drop_pending(st, in.write_keys, /*cancelled=*/false);
      break;
    case InputKind::kWriteConflict: {
      st.audit("write_conflict", {{"keys", in.write_keys}, {"detail", in.detail}});
      bool going_live = pending_kind_among(s, in.write_keys, "go_live");
      drop_pending(st, in.write_keys, /*cancelled=*/true);
      if (in.vendor_ticket && going_live) {
        rebase_virtual_mirror(st, *in.vendor_ticket);
      } else if (in.vendor_ticket) {
        fold_snapshot(st, *in.vendor_ticket, st.now, Origin::kReread, std::nullopt);
      }
      break;
    }
    case InputKind::kWriteDead:
      st.audit("write_dead", {{"keys", in.write_keys}, {"detail", in.detail}});
      // The operator sees the dead letter; the mirror stays as the backlog
      // left it, and nothing asks for it again.
      if (pending_kind_among(s, in.write_keys, "go_live")) s.shadow_writes.clear();
      if (pending_kind_among(s, in.write_keys, "restore_tags")) s.tags_to_restore.clear();
      for (const auto& key : in.write_keys) {
        for (const auto& p : s.pending) {
          if (p.key == key && (p.kind == "escalate" || p.kind == "deescalate")) {
            s.stay.escalation_blocked = true;
          }
          if (p.key == key && p.kind == "forward") s.forward_blocked = true;
          if (p.key == key && p.kind == "review_escalate") s.review.escalation_blocked = true;
        }
      }
      drop_pending(st, in.write_keys, /*cancelled=*/false);
      break;
    default:
      break;
  }
  sync_clock(st, st.now);
  sync_review_clock(st, st.now);
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

// Moves the ticket along `route`: its group, an agent by the route's
// strategy, the request and review tags dropped, a note naming who forwarded.
// `rule` is set when a routing rule forwarded rather than a reviewer.
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

// Acts on a forward tag or field. Returns true when the ticket is on its way.
bool handle_forward_request(Step& st) {
  TicketState& s = st.s;
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
  st.audit("review_escalated", {{"lead_group", lead},
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
  if (!s.review.running_since || !review.budget) return false;
  Duration used = review_used_at(s, st.policy, st.now);
  if (used >= *review.budget && review.lead_group && !s.review.escalation_blocked) {
    escalate_review(st, used, *review.budget);
    return true;
  }
  Duration threshold = share_of(*review.budget, review.at_risk_share);
  if (!s.review.at_risk && used >= threshold) {
    s.review.at_risk = true;
    if (s.ticket.has_tag(st.policy.tags.at_risk)) return false;
    TicketWrite w = new_write(st, "at_risk");
    w.add_tags.push_back(st.policy.tags.at_risk);
    st.audit("at_risk", {{"stage", "review"},
                         {"used_ms", used.count()},
                         {"budget_ms", review.budget->count()},
                         {"share", review.at_risk_share},
                         {"key", w.idempotency_key}});
    push_write(st, std::move(w));
  }
  return false;
}

void evaluate(Step& st);

// The net effect of the shadow backlog that the helpdesk still lacks, as
// one write; nullopt when nothing of it is still due.
std::optional<TicketWrite> backlog_write(Step& st) {
  TicketState& s = st.s;
  TicketWrite w;
  // The mirror already shows the backlog's group and assignee unless a
  // person changed them since; only a backlog value still shown is due.
  for (auto it = s.shadow_writes.rbegin(); it != s.shadow_writes.rend(); ++it) {
    if (!it->set_group) continue;
    if (it->set_group == s.ticket.group_id) w.set_group = it->set_group;
    break;
  }
  for (auto it = s.shadow_writes.rbegin(); it != s.shadow_writes.rend(); ++it) {
    if (!it->sets_assignee) continue;
    if (it->to_assignee == s.ticket.assignee_id) {
      if (it->to_assignee) {
        w.set_assignee = it->to_assignee;
      } else {
        w.clear_assignee = true;
      }
    }
    break;
  }
  // Tags: each write's adds and removes in order; a later one wins.
  std::map<std::string, bool> tag_wanted;
  for (const auto& b : s.shadow_writes) {
    for (const auto& t : b.add_tags) tag_wanted[t] = true;
    for (const auto& t : b.remove_tags) tag_wanted[t] = false;
    for (UserId f : b.add_followers) {
      if (std::find(w.add_followers.begin(), w.add_followers.end(), f) == w.add_followers.end())
        w.add_followers.push_back(f);
    }
    for (int64_t field : b.clear_custom_fields) {
      if (std::find(w.clear_custom_fields.begin(), w.clear_custom_fields.end(), field) ==
          w.clear_custom_fields.end())
        w.clear_custom_fields.push_back(field);
    }
  }
  // A tier tag of another tier than the ticket's would mislead a view.
  for (const auto& [tag, wanted] : tag_wanted) {
    int tagged = st.policy.tier_of_tag(tag);
    if (wanted && tagged >= 0 && tagged != s.stay.tier) continue;
    if (wanted && st.policy.review && tag == st.policy.review->tag && !s.review.active) continue;
    if (wanted && tag == st.policy.tags.at_risk && !s.stay.at_risk && !s.review.at_risk) continue;
    (wanted ? w.add_tags : w.remove_tags).push_back(tag);
  }
  if (!w.set_group && !w.set_assignee && !w.clear_assignee && w.add_tags.empty() &&
      w.remove_tags.empty() && w.add_followers.empty() && w.clear_custom_fields.empty()) {
    return std::nullopt;
  }
  return w;
}

// Live after shadow mode: the helpdesk never saw the backlog's writes. What
// is still due goes out as one write, with a note listing the decisions it
// carries out; nothing is due on a solved ticket. Returns true when the
// write was asked for (other decisions wait for it to land).
bool go_live(Step& st) {
  TicketState& s = st.s;
  if (st.policy.shadow || s.shadow_writes.empty() || s.has_pending("go_live")) return false;
  const size_t decided = s.shadow_writes.size();
  if (s.ticket.status == TicketStatus::kSolved) {
    st.audit("go_live",
             {{"due", false},
              {"shadow_writes", decided},
              {"reason", "the ticket is solved: nothing decided in shadow mode is due"}});
    s.shadow_writes.clear();
    return false;
  }
  auto net = backlog_write(st);
  if (!net) {
    st.audit("go_live", {{"due", false},
                         {"shadow_writes", decided},
                         {"reason", "the ticket already is where the shadow decisions put it"}});
    s.shadow_writes.clear();
    return false;
  }
  TicketWrite w = new_write(st, "go_live");
  w.set_group = net->set_group;
  w.set_assignee = net->set_assignee;
  w.clear_assignee = net->clear_assignee;
  w.add_tags = std::move(net->add_tags);
  w.remove_tags = std::move(net->remove_tags);
  w.add_followers = std::move(net->add_followers);
  w.clear_custom_fields = std::move(net->clear_custom_fields);
  std::string note =
      "tierd now writes to the helpdesk after running in shadow mode. This update carries out what "
      "it decided then and is still due:";
  json decisions = json::array();
  for (const auto& b : s.shadow_writes) {
    note += "\n- " + format_instant(b.decided_at) + ": " + (b.summary.empty() ? b.kind : b.summary);
    decisions.push_back({{"kind", b.kind}, {"at", format_instant(b.decided_at)}});
  }
  w.note = note + "\n" + write_marker(w.idempotency_key);
  json detail{{"due", true},
              {"shadow_writes", decided},
              {"decisions", std::move(decisions)},
              {"add_tags", w.add_tags},
              {"remove_tags", w.remove_tags},
              {"key", w.idempotency_key}};
  if (w.set_group) detail["to_group"] = *w.set_group;
  if (w.set_group) detail["to"] = st.tier_name(s.stay.tier);
  st.audit("go_live", std::move(detail));
  std::optional<GroupId> to_group = w.set_group;
  push_write(st, std::move(w), to_group, to_group ? s.stay.tier : -1);
  return true;
}

// Shadow mode: nothing is written. Each write is settled at once as if the
// helpdesk had confirmed it, so the clocks go on as they would have, and is
// kept in the backlog. A settled move can make the next decision due (the
// new tier's stay starts), hence the rounds.
void settle_in_shadow(Step& st) {
  for (int round = 0; !st.d.writes.empty(); ++round) {
    std::vector<TicketWrite> writes = std::move(st.d.writes);
    st.d.writes.clear();
    std::vector<std::string> keys;
    for (auto& w : writes) {
      st.audit("shadow_write", to_json(w));
      ShadowWrite b;
      b.key = w.idempotency_key;
      b.kind = w.kind;
      b.decided_at = st.now;
      b.set_group = w.set_group;
      b.sets_assignee = w.set_assignee.has_value() || w.clear_assignee;
      b.to_assignee = w.set_assignee;
      b.add_tags = w.add_tags;
      b.remove_tags = w.remove_tags;
      b.add_followers = w.add_followers;
      b.clear_custom_fields = w.clear_custom_fields;
      if (w.note) {
        std::string marker = write_marker(w.idempotency_key);
        std::string text = *w.note;
        if (auto at = text.rfind(marker); at != std::string::npos) text.erase(at);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
        b.summary = std::move(text);
      }
      keys.push_back(w.idempotency_key);
      st.s.shadow_writes.push_back(std::move(b));
    }
    fold_write_outcome(st, Input::WriteOutcome(InputKind::kWriteConfirmed, std::move(keys),
                                               std::nullopt, "shadow mode"));
    // A ticket's decisions chain only a few deep; the bound guards a loop.
    if (round < 8) evaluate(st);
  }
}

void evaluate(Step& st) {
  TicketState& s = st.s;
  if (s.deleted || s.ticket.status == TicketStatus::kClosed) {
    if (!s.shadow_writes.empty()) {
      st.audit("shadow_backlog_dropped",
               {{"writes", s.shadow_writes.size()},
                {"reason", s.deleted ? "the ticket was deleted" : "the ticket is closed"}});
      s.shadow_writes.clear();
    }
  }
  if (!s.known || s.deleted) return;
  if (go_live(st)) return;
  restore_tags(st);
  const TagNames& tags = st.policy.tags;
  if (!moving(s) && handle_forward_request(st)) return;
  if (s.review.active && st.policy.review) {
    if (!s.review.entry_written && !moving(s) && enter_review(st)) return;
    if (check_review_budget(st)) return;
  }
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
      move_ticket(st, s.stay.tier + 1, why, {{"reason", "manual"}, {"tag", tags.escalate}});
      return;
    }
    refuse_request_tag(st, tags.escalate,
                       s.stay.tier < 0
                           ? "the ticket is not in a tiered group"
                           : "the ticket is already in the last tier (" + st.tier()->name + ")");
  }
  if (!in_motion && s.ticket.has_tag(tags.deescalate) && !s.pending_removes_tag(tags.deescalate)) {
    if (s.stay.tier > 0) {
      move_ticket(st, s.stay.tier - 1, "because an agent added the tag " + tags.deescalate,
                  {{"reason", "manual"}, {"tag", tags.deescalate}});
      return;
    }
    refuse_request_tag(st, tags.deescalate,
                       s.stay.tier < 0 ? "the ticket is not in a tiered group"
                                       : "the ticket is already in the first tier");
  }

  if (!s.stay.running_since) return;
  const TierPolicy& tier = *st.tier();
  auto budget = tier.budget_for(s.ticket.priority);
  if (!budget) return;
  Duration used = used_at(s, st.policy, st.now);
  if (used >= *budget && s.stay.tier < last && !s.stay.escalation_blocked) {
    std::string priority = s.ticket.priority ? priority_name(*s.ticket.priority) : "none";
    std::string why = "after " + format_duration(used) + " of handling time in " + tier.name +
                      ", over its " + format_duration(*budget) + " budget for " + priority +
                      "-priority tickets";
    move_ticket(st, s.stay.tier + 1, why,
                {{"reason", "budget"},
                 {"budget_ms", budget->count()},
                 {"priority", priority},
                 {"policy", tier.name},
                 {"stay_ms", (st.now - s.stay.entered_at).count()}});
    return;
  }
  Duration threshold = share_of(*budget, tier.at_risk_share);
  if (!s.stay.at_risk && used >= threshold) {
    s.stay.at_risk = true;
    if (s.ticket.has_tag(tags.at_risk)) return;  // already tagged (by an agent or an earlier stay)
    TicketWrite w = new_write(st, "at_risk");
    w.add_tags.push_back(tags.at_risk);
    st.audit("at_risk", {{"tier", tier.name},
                         {"used_ms", used.count()},
                         {"budget_ms", budget->count()},
                         {"share", tier.at_risk_share},
                         {"key", w.idempotency_key}});
    push_write(st, std::move(w));
  }
}

std::optional<Instant> next_review_deadline(const TicketState& s, const Policy& p) {
  if (!s.review.running_since || !p.review || !p.review->budget) return std::nullopt;
  const ReviewPolicy& review = *p.review;
  std::optional<Instant> best;
  auto consider = [&](Duration target) {
    Duration remaining = target > s.review.used ? target - s.review.used : Duration(0);
    Instant t = review.calendar
                    ? review.calendar->deadline_after(*s.review.running_since, remaining)
                    : *s.review.running_since + remaining;
    if (!best || t < *best) best = t;
  };
  if (review.lead_group && !s.review.escalation_blocked) consider(*review.budget);
  if (!s.review.at_risk) consider(share_of(*review.budget, review.at_risk_share));
  return best;
}

std::optional<Instant> next_tier_deadline(const TicketState& s, const Policy& p) {
  if (!s.stay.running_since) return std::nullopt;
  const TierPolicy* tier = tier_at(p, s.stay.tier);
  if (!tier) return std::nullopt;
  auto budget = tier->budget_for(s.ticket.priority);
  if (!budget) return std::nullopt;
  std::optional<Instant> best;
  auto consider = [&](Duration target) {
    Duration remaining = target > s.stay.used ? target - s.stay.used : Duration(0);
    Instant t = working_deadline(*tier, *s.stay.running_since, remaining);
    if (!best || t < *best) best = t;
  };
  bool can_escalate =
      s.stay.tier + 1 < static_cast<int>(p.tiers.size()) && !s.stay.escalation_blocked;
  if (can_escalate) consider(*budget);
  if (!s.stay.at_risk) consider(share_of(*budget, tier->at_risk_share));
  return best;
}

std::optional<Instant> next_deadline(const TicketState& s, const Policy& p) {
  auto tier = next_tier_deadline(s, p);
  auto review = next_review_deadline(s, p);
  if (tier && review) return std::min(*tier, *review);
  return tier ? tier : review;
}

}  // namespace

Input Input::Event(TicketEvent e) {
  Input in;
  in.kind = InputKind::kEvent;
  in.event = std::move(e);
  return in;
}

Input Input::Tick() {
  return Input{};
}

Input Input::WriteOutcome(InputKind kind, std::vector<std::string> keys,
                          std::optional<TicketSnapshot> ticket, std::string detail) {
  Input in;
  in.kind = kind;
  in.write_keys = std::move(keys);
  in.vendor_ticket = std::move(ticket);
  in.detail = std::move(detail);
  return in;
}

std::string Decision::summary() const {
  if (writes.empty()) return audit.empty() ? "noop" : audit.back().kind;
  std::string out;
  for (const auto& w : writes) {
    if (!out.empty()) out += ',';
    out += w.kind;
  }
  return out;
}

Duration handling_time(const TicketState& state, Instant now, const Policy& policy) {
  return used_at(state, policy, now);
}

TicketState rebase_clock(const TicketState& state, Instant now, const Policy& old_policy) {
  TicketState s = state;
  if (s.stay.running_since && now > *s.stay.running_since) {
    s.stay.used = used_at(s, old_policy, now);
    s.stay.running_since = now;
  }
  if (s.review.running_since && now > *s.review.running_since) {
    s.review.used = review_used_at(s, old_policy, now);
    s.review.running_since = now;
  }
  return s;
}

Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy) {
  static const Roster kNobody;
  return decide(state, input, now, policy, kNobody);
}

Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy,
                const Roster& roster) {
  Decision d;
  d.state = state;
  Step st{policy, roster, now, d, d.state};
  switch (input.kind) {
    case InputKind::kEvent:
      if (input.event) fold_event(st, *input.event);
      break;
    case InputKind::kTick:
      break;
    case InputKind::kWriteConfirmed:
    case InputKind::kWriteConflict:
    case InputKind::kWriteDead:
      fold_write_outcome(st, input);
      break;
  }
  evaluate(st);
  if (policy.shadow) settle_in_shadow(st);
  d.next_deadline = next_deadline(d.state, policy);
  return d;
}

}  // namespace tierd
