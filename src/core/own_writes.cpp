// tierd's own writes, from being asked for to their outcome (decide.h: "A
// write is asked for once; until the vendor confirms it, refuses it
// (conflict: decide again on the fresh ticket) or dead-letters it, the same
// write is not asked for again.").
//
// Each write asked for is remembered as a PendingWrite in the state, not
// only handed to the engine: the pending list is what keeps a decision from
// being asked for twice, what tells a landing move from an agent's move
// (mirror_fold.cpp), and what the clocks wait on (`moving`).
#include <algorithm>

#include "core/decide_steps.h"

namespace tierd::decide_detail {
namespace {

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

}  // namespace

TicketWrite new_write(Step& st, std::string kind) {
  TicketWrite w;
  w.kind = std::move(kind);
  w.ticket_id = st.s.id;
  w.idempotency_key = std::to_string(st.s.id) + "-" + std::to_string(st.s.next_write_seq++);
  w.base_tags = st.s.ticket.tags;
  w.base_updated_at = st.s.ticket.updated_at;
  return w;
}

void push_write(Step& st, TicketWrite w, std::optional<GroupId> to_group, int to_tier) {
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

}  // namespace tierd::decide_detail
