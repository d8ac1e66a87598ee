#include "helpdesk/update_merge.h"

#include <algorithm>

namespace tierd {
namespace {

template <typename T>
void add_unique(std::vector<T>& v, const std::vector<T>& more) {
  for (const T& x : more) {
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  }
}

}  // namespace

Result<TicketUpdate> merge_writes(const std::vector<TicketWrite>& writes) {
  if (writes.empty()) return Status::InvalidArgument("no writes to merge");
  TicketUpdate u;
  u.ticket_id = writes.front().ticket_id;
  u.updated_stamp = writes.front().base_updated_at;
  // The fields the writes set, as the ticket will have them once all have
  // landed in order; the update sends those that some write touches.
  TicketSnapshot landed;
  landed.tags = writes.front().base_tags;
  bool group_changes = false;
  bool tags_change = false;
  std::string notes;
  for (const auto& w : writes) {
    if (w.ticket_id != u.ticket_id) return Status::InvalidArgument("writes of different tickets");
    landed = ticket_after_write(std::move(landed), w);
    group_changes = group_changes || w.set_group.has_value();
    u.set_assignee = u.set_assignee || w.set_assignee.has_value() || w.clear_assignee;
    tags_change = tags_change || !w.add_tags.empty() || !w.remove_tags.empty();
    add_unique(u.add_followers, w.add_followers);
    add_unique(u.clear_custom_fields, w.clear_custom_fields);
    if (w.note) {
      if (!notes.empty()) notes += "\n\n";
      notes += *w.note;
    }
  }
  if (group_changes) u.group_id = landed.group_id;
  if (u.set_assignee) u.assignee_id = landed.assignee_id;
  if (tags_change) {
    std::vector<std::string> before = writes.front().base_tags;
    for (const auto& w : writes) add_unique(before, w.remove_tags);
    for (const std::string& tag : normalize_tags(std::move(before))) {
      if (std::find(landed.tags.begin(), landed.tags.end(), tag) == landed.tags.end()) {
        u.tags_removed.push_back(tag);
      }
    }
    u.tags = std::move(landed.tags);
  }
  if (!notes.empty()) u.internal_note = std::move(notes);
  return u;
}

}  // namespace tierd
