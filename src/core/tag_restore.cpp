// Putting back agents' tags that tierd's own writes overwrote (decide.h:
// "tierd's whole-list tag writes are stamped in whole seconds, so one can
// overwrite an agent's tag added in the same second...").
//
// tierd sends a ticket's whole tag list with a safe-update stamp, which has
// whole seconds: an agent's tag added in the same second as the version
// tierd based its write on passes the check and is overwritten. The
// helpdesk's echo of that write shows it: tierd "removed" a tag it never
// removes. Only the lost direction is repaired; nothing tierd does removes
// an agent's tag on purpose (own_writes.cpp remembers what it did remove),
// so this cannot loop.
#include <algorithm>

#include "core/decide_steps.h"

namespace tierd::decide_detail {
namespace {

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

}  // namespace

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

// A refused write (conflict) is asked for again on the fresh ticket.
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

}  // namespace tierd::decide_detail
