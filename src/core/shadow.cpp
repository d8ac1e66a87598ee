// Shadow mode and going live (decide.h: "Shadow mode (Policy::shadow): no
// write goes out. Each is settled at once as if it had landed and kept in
// the ticket's shadow backlog... Live again, the backlog becomes one
// "go_live" write of what is still due...").
//
// Settling a write through the same confirmation path a real one takes
// (own_writes.cpp) keeps the clocks and stays exactly as they would be live,
// so shadow mode's audit trail is a faithful preview. The price is a mirror
// that shows the ticket as the unwritten writes would have left it; the
// event folding (mirror_fold.cpp) and the conflict path below protect it.
#include <algorithm>
#include <map>

#include "core/decide_steps.h"

namespace tierd::decide_detail {
namespace {

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

// The shadow backlog's record of a write, with its note as a summary.
ShadowWrite shadow_record(const TicketWrite& w, Instant decided_at) {
  ShadowWrite b;
  b.key = w.idempotency_key;
  b.kind = w.kind;
  b.decided_at = decided_at;
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
  return b;
}

}  // namespace

void drop_backlog_of_ended_ticket(Step& st) {
  TicketState& s = st.s;
  if (!s.deleted && s.ticket.status != TicketStatus::kClosed) return;
  if (s.shadow_writes.empty()) return;
  st.audit("shadow_backlog_dropped",
           {{"writes", s.shadow_writes.size()},
            {"reason", s.deleted ? "the ticket was deleted" : "the ticket is closed"}});
  s.shadow_writes.clear();
}

// Live after shadow mode: the helpdesk never saw the backlog's writes. What
// is still due goes out as one write, with a note listing the decisions it
// carries out; nothing is due on a solved ticket. Other decisions wait for
// the write to land.
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
  if (w.set_group) detail["to"] = st.policy.tier_name(s.stay.tier);
  st.audit("go_live", std::move(detail));
  std::optional<GroupId> to_group = w.set_group;
  push_write(st, std::move(w), to_group, to_group ? s.stay.tier : -1);
  return true;
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

// Each write is settled at once as if the helpdesk had confirmed it and
// kept in the backlog. A settled move can make the next decision due (the
// new tier's stay starts), hence the rounds.
void settle_in_shadow(Step& st) {
  for (int round = 0; !st.d.writes.empty(); ++round) {
    std::vector<TicketWrite> writes = std::move(st.d.writes);
    st.d.writes.clear();
    std::vector<std::string> keys;
    for (auto& w : writes) {
      st.audit("shadow_write", to_json(w));
      keys.push_back(w.idempotency_key);
      st.s.shadow_writes.push_back(shadow_record(w, st.now));
    }
    fold_write_outcome(st, Input::WriteOutcome(InputKind::kWriteConfirmed, std::move(keys),
                                               std::nullopt, "shadow mode"));
    // A ticket's decisions chain only a few deep; the bound guards a loop.
    if (round < 8) evaluate(st);
  }
}

}  // namespace tierd::decide_detail
