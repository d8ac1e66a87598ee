// Longer than the ~500 lines a file should keep to, and still one job:
// mapping a delivery's body to a TicketEvent (webhook_payload.h). Both body
// shapes read a ticket through the same field readers, the first half of
// the file; apart, each shape would need them from a third file.

#include "zendesk/webhook_payload.h"

#include "helpdesk/json_ids.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

namespace tierd::zendesk {
namespace {

using nlohmann::json;

constexpr std::string_view kEventTypePrefix = "zen:event-type:";
constexpr std::string_view kTicketTypePrefix = "zen:event-type:ticket.";
constexpr std::string_view kTicketSubjectPrefix = "zen:ticket:";
// Nested values deeper than this are not rendered as text: they are not
// something a ticket field holds, and rendering is recursive.
constexpr int kMaxRenderDepth = 16;
// An invocation id is a short token; anything else is not trusted as a key.
constexpr size_t kMaxInvocationIdBytes = 128;

// Every ticket event type Zendesk documents, by the name after
// "zen:event-type:ticket.".
constexpr std::array<std::pair<std::string_view, EventKind>, 37> kTicketEventKinds = {{
    {"agent_assignment_changed", EventKind::kAssigneeChanged},
    {"attachment_linked_to_comment", EventKind::kOtherChange},
    {"attachment_redacted_from_comment", EventKind::kOtherChange},
    {"brand_changed", EventKind::kOtherChange},
    {"comment_added", EventKind::kCommentAdded},
    {"comment_made_private", EventKind::kOtherChange},
    {"comment_redacted", EventKind::kOtherChange},
    {"created", EventKind::kCreated},
    {"csat_received", EventKind::kOtherChange},
    {"csat_requested", EventKind::kOtherChange},
    {"custom_field_changed", EventKind::kCustomFieldChanged},
    {"custom_status_changed", EventKind::kOtherChange},
    {"description_changed", EventKind::kOtherChange},
    {"email_ccs_changed", EventKind::kOtherChange},
    {"external_id_changed", EventKind::kOtherChange},
    {"followers_changed", EventKind::kFollowersChanged},
    {"form_changed", EventKind::kOtherChange},
    {"group_assignment_changed", EventKind::kGroupChanged},
    {"marked_as_spam", EventKind::kDeleted},
    {"merged", EventKind::kMerged},
    {"next_sla_breach_changed", EventKind::kOtherChange},
    {"ola_policy_changed", EventKind::kOtherChange},
    {"organization_changed", EventKind::kOtherChange},
    {"permanently_deleted", EventKind::kDeleted},
    {"priority_changed", EventKind::kPriorityChanged},
    {"problem_link_changed", EventKind::kOtherChange},
    {"requester_changed", EventKind::kOtherChange},
    {"schedule_changed", EventKind::kOtherChange},
    {"sla_policy_changed", EventKind::kOtherChange},
    {"soft_deleted", EventKind::kDeleted},
    {"status_changed", EventKind::kStatusChanged},
    {"subject_changed", EventKind::kOtherChange},
    {"submitter_changed", EventKind::kOtherChange},
    {"tags_changed", EventKind::kTagsChanged},
    {"task_due_at_changed", EventKind::kOtherChange},
    {"type_changed", EventKind::kOtherChange},
    {"undeleted", EventKind::kUndeleted},
}};

std::optional<EventKind> ticket_event_kind(std::string_view name) {
  for (const auto& [n, kind] : kTicketEventKinds) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::optional<int64_t> parse_id(const json* v) {
  return v == nullptr ? std::nullopt : id_from_json(*v);
}

std::optional<int64_t> optional_id(const json* v) {
  return v == nullptr ? std::nullopt : optional_id_from_json(*v);
}

bool nesting_exceeds(const json& v, int budget) {
  if (budget < 0) return true;
  if (v.is_structured()) {
    for (const auto& child : v) {
      if (nesting_exceeds(child, budget - 1)) return true;
    }
  }
  return false;
}

// A value as the text a ticket field would hold: strings as they are, numbers
// and booleans in JSON spelling, {"value": X} as X, other structures as JSON.
// null (or absence) is nullopt.
std::optional<std::string> value_text(const json* v) {
  // Unwrap {"value": ...} iteratively: a hostile body can nest it deeply.
  for (int unwrapped = 0; v != nullptr && v->is_object() && unwrapped <= kMaxRenderDepth;
       ++unwrapped) {
    const json* inner = json_member(v, "value");
    if (inner == nullptr) break;
    v = inner;
  }
  if (v == nullptr || v->is_null() || v->is_discarded()) return std::nullopt;
  if (v->is_string()) return v->get_ref<const std::string&>();
  if (v->is_structured() && nesting_exceeds(*v, kMaxRenderDepth)) return std::string();
  return v->dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> tag_list(const json* v) {
  std::vector<std::string> tags;
  if (v == nullptr) return tags;
  if (v->is_array()) {
    for (const auto& t : *v) {
      if (t.is_string()) tags.push_back(t.get<std::string>());
    }
  } else if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_space(s[i])) ++i;
      size_t start = i;
      while (i < s.size() && !is_space(s[i])) ++i;
      if (i > start) tags.emplace_back(s.substr(start, i - start));
    }
  }
  return normalize_tags(std::move(tags));
}

bool is_tag_list(const json* v) {
  return v != nullptr && (v->is_array() || v->is_string());
}

std::vector<UserId> user_list(const json* v) {
  std::vector<UserId> users;
  if (v == nullptr || !v->is_array()) return users;
  for (const auto& u : *v) {
    auto id = u.is_object() ? parse_id(json_member(&u, "id")) : parse_id(&u);
    if (id && *id > 0) users.push_back(*id);
  }
  return users;
}

std::optional<Instant> instant_field(const json* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  auto t = parse_instant(v->get_ref<const std::string&>());
  if (!t.ok()) return std::nullopt;
  return *t;
}

// "Web Form" (trigger placeholder) and "web_form" (event detail) both become
// "web_form".
std::string normalize_channel(std::string_view text) {
  std::string out = ascii_lower(trim_space(text));
  for (char& c : out) {
    if (c == ' ' || c == '-') c = '_';
  }
  return out;
}

std::optional<Priority> priority_field(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_null()) return Priority::kNone;
  if (!v->is_string()) return std::nullopt;
  return parse_priority(trim_space(v->get_ref<const std::string&>()));
}

TicketStatus status_field(const json* v) {
  if (v == nullptr || !v->is_string()) return TicketStatus::kUnknown;
  return parse_ticket_status(trim_space(v->get_ref<const std::string&>()));
}

std::vector<CustomFieldValue> custom_field_list(const json* v) {
  std::vector<CustomFieldValue> fields;
  if (v == nullptr || !v->is_array()) return fields;
  for (const auto& f : *v) {
    auto id = parse_id(json_member(&f, "id"));
    if (!id || *id <= 0) continue;
    fields.push_back({*id, value_text(json_member(&f, "value")).value_or("")});
  }
  return fields;
}

// Fields the event detail and the trigger body share (same names in both).
void fill_common_snapshot(const json& t, TicketSnapshot& s) {
  s.status = status_field(json_member(&t, "status"));
  s.priority = priority_field(json_member(&t, "priority"));
  s.group_id = optional_id(json_member(&t, "group_id"));
  s.assignee_id = optional_id(json_member(&t, "assignee_id"));
  if (is_tag_list(json_member(&t, "tags"))) {
    s.tags = tag_list(json_member(&t, "tags"));
    s.tags_known = true;
  }
  s.created_at = instant_field(json_member(&t, "created_at"));
  s.updated_at = instant_field(json_member(&t, "updated_at"));
  s.requester_id = optional_id(json_member(&t, "requester_id"));
  s.organization_id = optional_id(json_member(&t, "organization_id"));
  s.form_id = optional_id(json_member(&t, "form_id"));
  s.brand_id = optional_id(json_member(&t, "brand_id"));
  s.subject = json_string_or_empty(json_member(&t, "subject"));
  s.description =
      truncate_utf8(json_string_or_empty(json_member(&t, "description")), kMaxDescriptionBytes);
  s.custom_fields = custom_field_list(json_member(&t, "custom_fields"));
}

// A header value is used as a dedupe key only when it looks like a token, so
// that nothing odd reaches the store, the logs or the JSON codec.
bool usable_invocation_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxInvocationIdBytes) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::optional<TicketId> ticket_id_from_subject(const json* subject) {
  if (subject == nullptr || !subject->is_string()) return std::nullopt;
  std::string_view s = subject->get_ref<const std::string&>();
  if (!starts_with(s, kTicketSubjectPrefix)) return std::nullopt;
  return int64_from_text(s.substr(kTicketSubjectPrefix.size()));
}

std::optional<std::string> id_text(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) {
    if (v->get_ref<const std::string&>().empty()) return std::nullopt;
    return v->get<std::string>();
  }
  if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
  return std::nullopt;
}

Result<ParsedDelivery> map_ticket_event(const json& root, std::string type, std::string_view body,
                                        const DeliveryMeta& meta) {
  ParsedDelivery out;
  out.type = std::move(type);
  std::string name = ascii_lower(std::string_view(out.type).substr(kTicketTypePrefix.size()));
  auto kind = ticket_event_kind(name);
  if (!kind) {
    out.outcome = DeliveryOutcome::kIgnored;
    out.reason = "unknown ticket event type";
    return out;
  }

  const json* detail = json_member(&root, "detail");
  const json* change = json_member(&root, "event");
  auto ticket_id = parse_id(json_member(detail, "id"));
  if (!ticket_id || *ticket_id <= 0)
    ticket_id = ticket_id_from_subject(json_member(&root, "subject"));
  if (!ticket_id || *ticket_id <= 0) {
    return Status::InvalidArgument("ticket event without a ticket id");
  }

  TicketEvent e;
  e.source = std::string(kEventSourceName);
  e.type = out.type;
  e.kind = *kind;
  e.ticket_id = *ticket_id;
  if (auto id = id_text(json_member(&root, "id"))) {
    e.event_id = std::move(*id);
  } else if (usable_invocation_id(meta.invocation_id)) {
    e.event_id = meta.invocation_id;
  } else {
    e.event_id = "event:" + std::to_string(*ticket_id) + ":" + sha256_hex_prefix(body, 16);
  }

  if (detail != nullptr && detail->is_object()) {
    e.has_snapshot = true;
    e.ticket.id = *ticket_id;
    fill_common_snapshot(*detail, e.ticket);
    e.ticket.channel =
        normalize_channel(json_string_or_empty(json_member(json_member(detail, "via"), "channel")));
    e.actor_id = optional_id(json_member(detail, "actor_id"));
  }
  if (auto t = instant_field(json_member(&root, "time"))) {
    e.time = *t;
  } else if (e.ticket.updated_at) {
    e.time = *e.ticket.updated_at;
  } else {
    e.time = meta.received_at;
  }

  e.previous = value_text(json_member(change, "previous"));
  e.current = value_text(json_member(change, "current"));
  switch (e.kind) {
    case EventKind::kTagsChanged:
      e.tags_added = tag_list(json_member(change, "tags_added"));
      e.tags_removed = tag_list(json_member(change, "tags_removed"));
      break;
    case EventKind::kFollowersChanged:
      e.users_added = user_list(json_member(change, "users_added"));
      e.users_removed = user_list(json_member(change, "users_removed"));
      break;
    case EventKind::kCustomFieldChanged: {
      const json* field = json_member(change, "custom_field");
      if (auto id = optional_id(json_member(field, "id")); id && *id > 0) {
        auto value = value_text(json_member(field, "value"));
        e.custom_field = CustomFieldValue{*id, value.value_or(e.current.value_or(""))};
      }
      break;
    }
    case EventKind::kMerged:
      e.merge_target = optional_id(json_member(change, "target_ticket_id"));
      break;
    case EventKind::kCommentAdded: {
      const json* comment = json_member(change, "comment");
      if (comment != nullptr && comment->is_object()) {
        EventComment c;
        c.id = id_text(json_member(comment, "id")).value_or("");
        const json* is_public = json_member(comment, "is_public");
        c.is_public = is_public != nullptr && is_public->is_boolean() && is_public->get<bool>();
        const json* author = json_member(comment, "author");
        c.author_id = optional_id(json_member(author, "id"));
        const json* staff = json_member(author, "is_staff");
        c.author_is_staff = staff != nullptr && staff->is_boolean() && staff->get<bool>();
        e.comment = std::move(c);
      }
      break;
    }
    default:
      // email_ccs_changed is kOtherChange but carries the same lists as followers.
      if (name == "email_ccs_changed") {
        e.users_added = user_list(json_member(change, "users_added"));
        e.users_removed = user_list(json_member(change, "users_removed"));
      }
      break;
  }

  return ticket_event_delivery(std::move(e));
}

Result<ParsedDelivery> map_trigger_body(const json& root, std::string_view body,
                                        const DeliveryMeta& meta) {
  const json* ticket = json_member(&root, "ticket");
  if (ticket == nullptr || !ticket->is_object()) {
    return Status::InvalidArgument("trigger body without a ticket object");
  }
  auto ticket_id = parse_id(json_member(ticket, "id"));
  if (!ticket_id || *ticket_id <= 0) {
    return Status::InvalidArgument("trigger body without a ticket id");
  }

  TicketEvent e;
  e.source = std::string(kTriggerSourceName);
  e.type = std::string(kTriggerSource);
  e.kind = EventKind::kSnapshot;
  e.ticket_id = *ticket_id;
  e.has_snapshot = true;
  e.ticket.id = *ticket_id;
  fill_common_snapshot(*ticket, e.ticket);
  e.ticket.channel = normalize_channel(json_string_or_empty(json_member(ticket, "via")));
  if (e.ticket.subject.empty())
    e.ticket.subject = json_string_or_empty(json_member(ticket, "title"));
  e.actor_id = optional_id(json_member(&root, "current_user_id"));
  e.time = e.ticket.updated_at.value_or(meta.received_at);

  if (usable_invocation_id(meta.invocation_id)) {
    e.event_id = meta.invocation_id;
  } else {
    e.event_id = "trigger:" + std::to_string(*ticket_id) + ":" +
                 json_string_or_empty(json_member(ticket, "updated_at")) + ":" +
                 sha256_hex_prefix(body, 16);
  }

  return ticket_event_delivery(std::move(e));
}

Result<ParsedDelivery> map_delivery(const json& root, std::string_view body,
                                    const DeliveryMeta& meta) {
  const json* source = json_member(&root, "source");
  if (source != nullptr && source->is_string() &&
      source->get_ref<const std::string&>() == kTriggerSource) {
    return map_trigger_body(root, body, meta);
  }

  const json* type_field = json_member(&root, "type");
  if (type_field == nullptr || !type_field->is_string()) {
    ParsedDelivery out;
    out.reason = "no event type";
    return out;
  }
  std::string type = type_field->get<std::string>();
  if (starts_with(ascii_lower(type), kTicketTypePrefix)) {
    return map_ticket_event(root, std::move(type), body, meta);
  }
  ParsedDelivery out;
  out.type = std::move(type);
  out.reason = starts_with(out.type, kEventTypePrefix) ? "not a ticket event" : "unknown type";
  return out;
}

}  // namespace

Result<ParsedDelivery> parse_webhook_delivery(std::string_view body, const DeliveryMeta& meta) {
  return map_webhook_body(body, [&](const json& root) { return map_delivery(root, body, meta); });
}

std::vector<std::string> acted_on_ticket_event_types() {
  std::vector<std::string> types;
  for (const auto& [name, kind] : kTicketEventKinds) {
    if (kind != EventKind::kOtherChange)
      types.push_back(std::string(kTicketTypePrefix) + std::string(name));
  }
  std::sort(types.begin(), types.end());
  return types;
}

}  // namespace tierd::zendesk
