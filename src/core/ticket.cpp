#include "core/ticket.h"

#include <algorithm>
#include <cctype>

namespace tierd {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TicketStatus parse_ticket_status(std::string_view text) {
  std::string s = ascii_lower(text);
  for (char& c : s) {
    if (c == '-' || c == ' ') c = '_';
  }
  if (s == "new") return TicketStatus::kNew;
  if (s == "open") return TicketStatus::kOpen;
  if (s == "pending") return TicketStatus::kPending;
  if (s == "hold" || s == "on_hold" || s == "onhold") return TicketStatus::kHold;
  if (s == "solved") return TicketStatus::kSolved;
  if (s == "closed") return TicketStatus::kClosed;
  if (s == "deleted" || s == "archived" || s == "scrubbed") return TicketStatus::kDeleted;
  return TicketStatus::kUnknown;
}

const char* ticket_status_name(TicketStatus s) {
  switch (s) {
    case TicketStatus::kNew:
      return "new";
    case TicketStatus::kOpen:
      return "open";
    case TicketStatus::kPending:
      return "pending";
    case TicketStatus::kHold:
      return "hold";
    case TicketStatus::kSolved:
      return "solved";
    case TicketStatus::kClosed:
      return "closed";
    case TicketStatus::kDeleted:
      return "deleted";
    case TicketStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Priority> parse_priority(std::string_view text) {
  std::string s = ascii_lower(text);
  if (s.empty() || s == "none" || s == "-" || s == "null") return Priority::kNone;
  if (s == "low") return Priority::kLow;
  if (s == "normal") return Priority::kNormal;
  if (s == "high") return Priority::kHigh;
  if (s == "urgent") return Priority::kUrgent;
  return std::nullopt;
}

const char* priority_name(Priority p) {
  switch (p) {
    case Priority::kNone:
      return "none";
    case Priority::kLow:
      return "low";
    case Priority::kNormal:
      return "normal";
    case Priority::kHigh:
      return "high";
    case Priority::kUrgent:
      return "urgent";
  }
  return "none";
}

bool TicketSnapshot::has_tag(std::string_view tag) const {
  return std::binary_search(tags.begin(), tags.end(), tag,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

std::vector<std::string> normalize_tags(std::vector<std::string> tags) {
  for (auto& t : tags) t = ascii_lower(t);
  tags.erase(std::remove(tags.begin(), tags.end(), std::string()), tags.end());
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

std::vector<std::string> apply_tag_changes(std::vector<std::string> tags,
                                           const std::vector<std::string>& add,
                                           const std::vector<std::string>& remove) {
  tags.insert(tags.end(), add.begin(), add.end());
  tags = normalize_tags(std::move(tags));
  std::erase_if(tags, [&](const std::string& t) {
    return std::find(remove.begin(), remove.end(), t) != remove.end();
  });
  return tags;
}

void set_custom_field(TicketSnapshot& t, const CustomFieldValue& field) {
  std::erase_if(t.custom_fields, [&](const CustomFieldValue& f) { return f.id == field.id; });
  if (!field.value.empty()) t.custom_fields.push_back(field);
  std::sort(t.custom_fields.begin(), t.custom_fields.end(),
            [](const CustomFieldValue& a, const CustomFieldValue& b) { return a.id < b.id; });
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

}  // namespace tierd
