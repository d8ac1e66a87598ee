// TicketEvent: one change to one ticket, normalised from whatever the vendor
// sent (an event-subscribed webhook, a trigger webhook, an export row, an API
// answer). The engine folds these into its mirror of the ticket.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/ticket.h"

namespace tierd {

enum class EventKind {
  kCreated,
  kStatusChanged,
  kPriorityChanged,
  kGroupChanged,
  kAssigneeChanged,
  kTagsChanged,
  kCommentAdded,
  kCustomFieldChanged,
  kFollowersChanged,
  kMerged,
  kDeleted,  // soft-deleted, permanently deleted, marked as spam
  kUndeleted,
  kOtherChange,  // a documented change tierd does not act on (subject, brand, ...)
  kSnapshot,     // a full state with no single change: trigger body, export row, API read
  kUnknown,      // an event type tierd does not know; acknowledged and ignored
};

const char* event_kind_name(EventKind k);
std::optional<EventKind> parse_event_kind(std::string_view name);

struct EventComment {
  std::string id;
  bool is_public = false;
  std::optional<UserId> author_id;
  bool author_is_staff = false;
  bool operator==(const EventComment&) const = default;
};

struct TicketEvent {
  std::string event_id;  // the dedupe key: vendor event id or invocation id
  std::string source;    // "<vendor>.<body shape>" from an adapter, "reconcile", "api"
  std::string type;      // the vendor's own type string, for logs and audit
  EventKind kind = EventKind::kUnknown;
  TicketId ticket_id = 0;
  Instant time{};                  // when it happened at the vendor
  std::optional<UserId> actor_id;  // who made the change (-1: the system)
  bool has_snapshot = false;       // `ticket` below holds the state after the change
  TicketSnapshot ticket;

  // What changed, for the kinds that carry it.
  std::optional<std::string> previous;  // scalar changes, raw vendor text
  std::optional<std::string> current;
  std::vector<std::string> tags_added;  // kTagsChanged (normalised)
  std::vector<std::string> tags_removed;
  std::vector<UserId> users_added;  // kFollowersChanged
  std::vector<UserId> users_removed;
  std::optional<CustomFieldValue> custom_field;  // kCustomFieldChanged: the new value
  std::optional<TicketId> merge_target;          // kMerged
  std::optional<EventComment> comment;           // kCommentAdded (no body kept)

  bool operator==(const TicketEvent&) const = default;
};

// The ticket after a change event that carries no snapshot: `before` with
// the one change the event reports applied (status, priority, group,
// assignee, tags, a custom field). Other kinds return `before` unchanged.
TicketSnapshot apply_change(TicketSnapshot before, const TicketEvent& e);

// The summary of an event kept in the audit log (type, kind, source, time,
// actor and, with a snapshot, status, group, assignee, requester, priority,
// updated_at).
// Shared by the engine and `tierd simulate`, so both trails read the same.
nlohmann::json event_audit_detail(const TicketEvent& e);

// Lossless JSON form used by the inbox and the audit log.
nlohmann::json to_json(const TicketEvent& e);
// Returns InvalidArgument naming the field when `j` is not a TicketEvent.
Result<TicketEvent> ticket_event_from_json(const nlohmann::json& j);

nlohmann::json to_json(const TicketSnapshot& t);
Result<TicketSnapshot> ticket_snapshot_from_json(const nlohmann::json& j);

}  // namespace tierd
