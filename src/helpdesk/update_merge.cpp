#include "helpdesk/update_merge.h"

#include <algorithm>

namespace tierd {

Result<TicketUpdate> merge_writes(const std::vector<TicketWrite>& writes) {
  if (writes.empty()) return Status::InvalidArgument("no writes to merge");
  TicketUpdate u;
  u.ticket_id = writes.front().ticket_id;
  u.updated_stamp = writes.front().base_updated_at;
  std::vector<std::string> tags = writes.front().base_tags;
  bool tags_change = false;
  std::string notes;
  for (const auto& w : writes) {
    if (w.ticket_id != u.ticket_id) return Status::InvalidArgument("writes of different tickets");
    if (w.set_group) u.group_id = w.set_group;
    if (w.clear_assignee) {
      u.set_assignee = true;
      u.assignee_id.reset();
    }
    if (w.set_assignee) {
      u.set_assignee = true;
      u.assignee_id = w.set_assignee;
    }
    if (!w.add_tags.empty() || !w.remove_tags.empty()) {
      tags = w.apply_tags(std::move(tags));
      tags_change = true;
    }
    for (UserId f : w.add_followers) {
      if (std::find(u.add_followers.begin(), u.add_followers.end(), f) == u.add_followers.end()) {
        u.add_followers.push_back(f);
      }
    }
    for (int64_t field : w.clear_custom_fields) {
      if (std::find(u.clear_custom_fields.begin(), u.clear_custom_fields.end(), field) ==
          u.clear_custom_fields.end()) {
        u.clear_custom_fields.push_back(field);
      }
    }
    if (w.note) {
      if (!notes.empty()) notes += "\n\n";
      notes += *w.note;
    }
  }
  if (tags_change) u.tags = std::move(tags);
  if (!notes.empty()) u.internal_note = std::move(notes);
  return u;
}

}  // namespace tierd
