#include "core/decide.h"

#include <algorithm>
#include <charconv>

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

std::optional<int64_t> parse_id(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

// State shared by the steps of one decision.
struct Step {
  const Policy& policy;
  Instant now;
  Decision& d;
  TicketState& s;

  void audit(std::string kind, json detail) { d.audit.push_back({std::move(kind), std::move(detail)}); }
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

bool clock_should_run(const TicketState& s, const Policy& p) {
  const TierPolicy* tier = tier_at(p, s.stay.tier);
  if (!tier || s.deleted || !s.known) return false;
  if (!tier->budget_for(s.ticket.priority)) return false;  // no budget: nothing to count
  if (s.has_pending("escalate") || s.has_pending("deescalate")) return false;
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

void push_write(Step& st, TicketWrite w, std::optional<GroupId> to_group = std::nullopt,
                int to_tier = -1) {
  PendingWrite p;
  p.key = w.idempotency_key;
  p.kind = w.kind;
  p.to_group = to_group;
  p.to_tier = to_tier;
  p.decided_at = st.now;
  p.removes_tags = w.remove_tags;
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

void merge_snapshot(TicketSnapshot& into, const TicketSnapshot& from) {
  into.id = from.id;
  if (from.status != TicketStatus::kUnknown) into.status = from.status;
  if (from.priority) into.priority = from.priority;
  into.group_id = from.group_id;
  into.assignee_id = from.assignee_id;
  if (from.tags_known) {
    into.tags = from.tags;
    into.tags_known = true;
  }
  if (from.created_at) into.created_at = from.created_at;
  if (from.updated_at) into.updated_at = from.updated_at;
  if (from.requester_id) into.requester_id = from.requester_id;
  if (from.organization_id) into.organization_id = from.organization_id;
  if (from.form_id) into.form_id = from.form_id;
  if (from.brand_id) into.brand_id = from.brand_id;
  if (!from.channel.empty()) into.channel = from.channel;
  if (!from.subject.empty()) into.subject = from.subject;
  if (!from.description.empty()) into.description = from.description;
  if (!from.custom_fields.empty()) into.custom_fields = from.custom_fields;
}

enum class Origin { kCreated, kEvent, kOwnWrite, kReread };

// Folds a vendor snapshot into the mirror and the tier stay, as of `at`.
void fold_snapshot(Step& st, const TicketSnapshot& snap, Instant at, Origin origin,
                   std::optional<UserId> actor) {
  TicketState& s = st.s;
  if (s.known && snap.updated_at && s.ticket.updated_at && *snap.updated_at < *s.ticket.updated_at) {
    st.audit("stale_ignored", {{"updated_at", format_instant(*snap.updated_at)},
                               {"known_updated_at", format_instant(*s.ticket.updated_at)}});
    return;
  }
  bool first = !s.known;
  merge_snapshot(s.ticket, snap);
  s.id = snap.id;
  s.known = true;

  int new_tier = st.policy.tier_of_group(s.ticket.group_id);
  if (new_tier != s.stay.tier || first) {
    auto landed = std::find_if(s.pending.begin(), s.pending.end(), [&](const PendingWrite& p) {
      return p.to_group && p.to_group == s.ticket.group_id;
    });
    if (landed != s.pending.end() && !first) {
      std::string how = landed->kind == "escalate" ? "escalation" : "deescalation";
      s.pending.erase(landed);
      enter_tier(st, new_tier, at, how);
    } else if (first) {
      Instant entered = at;
      if (origin == Origin::kCreated && s.ticket.created_at) entered = std::min(*s.ticket.created_at, at);
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
}

// An event that carries no snapshot: apply what it says to the mirror.
TicketSnapshot snapshot_from_change(const TicketState& s, const TicketEvent& e) {
  TicketSnapshot t = s.ticket;
  t.id = e.ticket_id;
  switch (e.kind) {
    case EventKind::kStatusChanged:
      if (e.current) t.status = parse_ticket_status(*e.current);
      break;
    case EventKind::kPriorityChanged:
      if (e.current) t.priority = parse_priority(*e.current);
      break;
    case EventKind::kGroupChanged:
      t.group_id = parse_id(e.current);
      break;
    case EventKind::kAssigneeChanged:
      t.assignee_id = parse_id(e.current);
      break;
    case EventKind::kTagsChanged:
      t.tags = apply_tag_changes(std::move(t.tags), e.tags_added, e.tags_removed);
      t.tags_known = true;
      break;
    default:
      break;
  }
  t.updated_at.reset();  // unknown: never let a partial change look newer than a snapshot
  if (s.ticket.updated_at) t.updated_at = s.ticket.updated_at;
  return t;
}

void fold_event(Step& st, const TicketEvent& e) {
  TicketState& s = st.s;
  Instant at = e.time.time_since_epoch().count() == 0 ? st.now : std::min(e.time, st.now);
  if (e.kind == EventKind::kUnknown) return;
  if (s.id == 0) s.id = e.ticket_id;
  if (e.kind == EventKind::kDeleted) {
    s.deleted = true;
    st.audit("deleted", {{"type", e.type}});
  } else if (e.kind == EventKind::kUndeleted) {
    s.deleted = false;
  }
  if (e.has_snapshot) {
    fold_snapshot(st, e.ticket, at, e.kind == EventKind::kCreated ? Origin::kCreated : Origin::kEvent,
                  e.actor_id);
  } else if (s.known) {
    fold_snapshot(st, snapshot_from_change(s, e), at, Origin::kEvent, e.actor_id);
  } else {
    st.audit("ignored", {{"reason", "a change to a ticket tierd has not seen yet, without its state"},
                         {"type", e.type}});
  }
  if (s.deleted) sync_clock(st, at);
}

// Applies confirmed writes to the mirror when the vendor's answer carried no
// ticket (bulk jobs answer per ticket with success only).
void apply_confirmed_without_ticket(Step& st, const std::vector<std::string>& keys) {
  TicketState& s = st.s;
  for (const auto& key : keys) {
    auto it = std::find_if(s.pending.begin(), s.pending.end(),
                           [&](const PendingWrite& p) { return p.key == key; });
    if (it == s.pending.end() || !it->to_group) continue;
    TicketSnapshot t = s.ticket;
    t.group_id = it->to_group;
    fold_snapshot(st, t, st.now, Origin::kOwnWrite, std::nullopt);
  }
}

void drop_pending(Step& st, const std::vector<std::string>& keys, bool cancelled) {
  TicketState& s = st.s;
  for (const auto& key : keys) {
    auto it = std::find_if(s.pending.begin(), s.pending.end(),
                           [&](const PendingWrite& p) { return p.key == key; });
    if (it == s.pending.end()) continue;
    if (cancelled && it->kind == "at_risk") s.stay.at_risk = false;  // may be asked for again
    if (cancelled) st.d.cancelled_writes.push_back(key);
    s.pending.erase(it);
  }
}

void fold_write_outcome(Step& st, const Input& in) {
  TicketState& s = st.s;
  switch (in.kind) {
    case InputKind::kWriteConfirmed:
      st.audit("write_confirmed", {{"keys", in.write_keys}, {"detail", in.detail}});
      if (in.vendor_ticket) {
        fold_snapshot(st, *in.vendor_ticket, st.now, Origin::kOwnWrite, std::nullopt);
      } else {
        apply_confirmed_without_ticket(st, in.write_keys);
      }
      drop_pending(st, in.write_keys, /*cancelled=*/false);
      break;
    case InputKind::kWriteConflict:
      st.audit("write_conflict", {{"keys", in.write_keys}, {"detail", in.detail}});
      drop_pending(st, in.write_keys, /*cancelled=*/true);
      if (in.vendor_ticket) fold_snapshot(st, *in.vendor_ticket, st.now, Origin::kReread, std::nullopt);
      break;
    case InputKind::kWriteDead:
      st.audit("write_dead", {{"keys", in.write_keys}, {"detail", in.detail}});
      for (const auto& key : in.write_keys) {
        for (const auto& p : s.pending) {
          if (p.key == key && (p.kind == "escalate" || p.kind == "deescalate")) {
            s.stay.escalation_blocked = true;
          }
        }
      }
      drop_pending(st, in.write_keys, /*cancelled=*/false);
      break;
    default:
      break;
  }
  sync_clock(st, st.now);
}

// Writes a note removing a request tag tierd cannot act on.
void refuse_request_tag(Step& st, const std::string& tag, const std::string& why) {
  TicketWrite w = new_write(st, "clear_tag");
  w.remove_tags.push_back(tag);
  w.note = "tierd did not act on the tag " + tag + ": " + why + ". " + write_marker(w.idempotency_key);
  st.audit("refused", {{"tag", tag}, {"reason", why}, {"key", w.idempotency_key}});
  push_write(st, std::move(w));
}

void evaluate(Step& st) {
  TicketState& s = st.s;
  if (!s.known || s.deleted) return;
  const TagNames& tags = st.policy.tags;
  bool moving = s.has_pending("escalate") || s.has_pending("deescalate");
  int last = static_cast<int>(st.policy.tiers.size()) - 1;

  if (!moving && s.ticket.has_tag(tags.escalate) && !s.pending_removes_tag(tags.escalate)) {
    if (s.stay.tier >= 0 && s.stay.tier < last) {
      const TierPolicy& tier = *st.tier();
      Duration used = used_at(s, st.policy, st.now);
      auto budget = tier.budget_for(s.ticket.priority);
      std::string why = "because an agent added the tag " + tags.escalate + " (" + format_duration(used) +
                        " of handling time used" +
                        (budget ? " of " + tier.name + "'s " + format_duration(*budget) + " budget" : "") + ")";
      move_ticket(st, s.stay.tier + 1, why, {{"reason", "manual"}, {"tag", tags.escalate}});
      return;
    }
    refuse_request_tag(st, tags.escalate,
                       s.stay.tier < 0 ? "the ticket is not in a tiered group"
                                       : "the ticket is already in the last tier (" + st.tier()->name + ")");
  }
  if (!moving && s.ticket.has_tag(tags.deescalate) && !s.pending_removes_tag(tags.deescalate)) {
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

std::optional<Instant> next_deadline(const TicketState& s, const Policy& p) {
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
  bool can_escalate = s.stay.tier + 1 < static_cast<int>(p.tiers.size()) && !s.stay.escalation_blocked;
  if (can_escalate) consider(*budget);
  if (!s.stay.at_risk) consider(share_of(*budget, tier->at_risk_share));
  return best;
}

}  // namespace

Input Input::Event(TicketEvent e) {
  Input in;
  in.kind = InputKind::kEvent;
  in.event = std::move(e);
  return in;
}

Input Input::Tick() { return Input{}; }

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
  return s;
}

Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy) {
  Decision d;
  d.state = state;
  Step st{policy, now, d, d.state};
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
  d.next_deadline = next_deadline(d.state, policy);
  return d;
}

}  // namespace tierd
