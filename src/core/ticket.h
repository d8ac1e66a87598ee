// A helpdesk ticket as tierd sees it: the vendor-neutral fields that rules
// look at. Filled by a vendor adapter from webhook payloads, API answers
// and exports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace tierd {

using TicketId = int64_t;
using UserId = int64_t;
using GroupId = int64_t;

enum class TicketStatus { kUnknown, kNew, kOpen, kPending, kHold, kSolved, kClosed, kDeleted };
enum class Priority { kNone, kLow, kNormal, kHigh, kUrgent };

// Case-insensitive; accepts the spellings vendors and admins use ("OPEN",
// "Open", "on-hold", "on_hold", "hold"). Unknown text gives kUnknown.
TicketStatus parse_ticket_status(std::string_view text);
// Lower-case API spelling: "new", "open", "pending", "hold", ...
const char* ticket_status_name(TicketStatus s);

// Case-insensitive; "" / "none" / "-" give kNone; unknown text gives nullopt.
std::optional<Priority> parse_priority(std::string_view text);
const char* priority_name(Priority p);

struct CustomFieldValue {
  int64_t id = 0;
  std::string value;  // dropdown tag value, text, or the JSON text of other types
  bool operator==(const CustomFieldValue&) const = default;
};

// The ticket after a change, as the vendor reported it. Optional fields are
// absent when the source did not carry them (a trigger body has fewer fields
// than an event payload).
struct TicketSnapshot {
  TicketId id = 0;
  TicketStatus status = TicketStatus::kUnknown;
  std::optional<Priority> priority;
  std::optional<GroupId> group_id;
  std::optional<UserId> assignee_id;
  std::vector<std::string> tags;  // sorted, unique, lower-case
  bool tags_known = false;        // false when the source carried no tag list
  std::optional<Instant> created_at;
  std::optional<Instant> updated_at;
  std::optional<UserId> requester_id;
  std::optional<int64_t> organization_id;
  std::optional<int64_t> form_id;
  std::optional<int64_t> brand_id;
  std::string channel;      // "web_form", "email", "api", ...
  std::string subject;      // kept for keyword routing; never logged
  std::string description;  // first comment; truncated to 4 KiB by adapters
  std::vector<CustomFieldValue> custom_fields;

  bool has_tag(std::string_view tag) const;
  bool operator==(const TicketSnapshot&) const = default;
};

// Normalises a tag list the way helpdesks store tags: lower-case, sorted,
// duplicates removed, empty entries dropped.
std::vector<std::string> normalize_tags(std::vector<std::string> tags);

// `tags` with `add` added and then `remove` taken away, normalised.
std::vector<std::string> apply_tag_changes(std::vector<std::string> tags,
                                           const std::vector<std::string>& add,
                                           const std::vector<std::string>& remove);

// Sets one custom field of `t`, replacing its value; an empty value removes
// the field. Fields stay sorted by id.
void set_custom_field(TicketSnapshot& t, const CustomFieldValue& field);

// Folds a newer report `from` of the same ticket into `into`. What `from`
// does not carry keeps its value in `into`: an unknown status, no priority,
// no tag list (tags_known false), no custom fields, unset ids and times,
// empty texts. Group and assignee are always taken from `from`: for them
// an absent value means the ticket has none (no group, unassigned).
void merge_snapshot(TicketSnapshot& into, const TicketSnapshot& from);

// ASCII lower-case copy (tags and enum values are ASCII in every vendor).
std::string ascii_lower(std::string_view s);

}  // namespace tierd
