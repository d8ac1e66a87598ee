#include "core/ticket_event.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <utility>

namespace tierd {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<EventKind, const char*>, 15> kKindNames = {{
    {EventKind::kCreated, "created"},
    {EventKind::kStatusChanged, "status_changed"},
    {EventKind::kPriorityChanged, "priority_changed"},
    {EventKind::kGroupChanged, "group_changed"},
    {EventKind::kAssigneeChanged, "assignee_changed"},
    {EventKind::kTagsChanged, "tags_changed"},
    {EventKind::kCommentAdded, "comment_added"},
    {EventKind::kCustomFieldChanged, "custom_field_changed"},
    {EventKind::kFollowersChanged, "followers_changed"},
    {EventKind::kMerged, "merged"},
    {EventKind::kDeleted, "deleted"},
    {EventKind::kUndeleted, "undeleted"},
    {EventKind::kOtherChange, "other_change"},
    {EventKind::kSnapshot, "snapshot"},
    {EventKind::kUnknown, "unknown"},
}};

template <typename T>
void put_opt(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <typename T>
void get_opt(const json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

void put_instant(json& j, const char* key, const std::optional<Instant>& v) {
  if (v) j[key] = to_unix_ms(*v);
}

void get_instant(const json& j, const char* key, std::optional<Instant>& out) {
  auto it = j.find(key);
  if (it != j.end() && it->is_number_integer()) out = from_unix_ms(it->get<int64_t>());
}

}  // namespace

const char* event_kind_name(EventKind k) {
  for (const auto& [kind, name] : kKindNames) {
    if (kind == k) return name;
  }
  return "unknown";
}

std::optional<EventKind> parse_event_kind(std::string_view name) {
  for (const auto& [kind, n] : kKindNames) {
    if (name == n) return kind;
  }
  return std::nullopt;
}

json to_json(const TicketSnapshot& t) {
  json j;
  j["id"] = t.id;
  j["status"] = ticket_status_name(t.status);
  if (t.priority) j["priority"] = priority_name(*t.priority);
  put_opt(j, "group_id", t.group_id);
  put_opt(j, "assignee_id", t.assignee_id);
  if (t.tags_known) j["tags"] = t.tags;
  put_instant(j, "created_at", t.created_at);
  put_instant(j, "updated_at", t.updated_at);
  put_opt(j, "requester_id", t.requester_id);
  put_opt(j, "organization_id", t.organization_id);
  put_opt(j, "form_id", t.form_id);
  put_opt(j, "brand_id", t.brand_id);
  if (!t.channel.empty()) j["channel"] = t.channel;
  if (!t.subject.empty()) j["subject"] = t.subject;
  if (!t.description.empty()) j["description"] = t.description;
  if (!t.custom_fields.empty()) {
    json cf = json::array();
    for (const auto& f : t.custom_fields) cf.push_back({{"id", f.id}, {"value", f.value}});
    j["custom_fields"] = std::move(cf);
  }
  return j;
}

Result<TicketSnapshot> ticket_snapshot_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("ticket: expected an object");
  try {
    TicketSnapshot t;
    t.id = j.at("id").get<int64_t>();
    t.status = parse_ticket_status(j.value("status", ""));
    if (j.contains("priority")) t.priority = parse_priority(j["priority"].get<std::string>());
    get_opt(j, "group_id", t.group_id);
    get_opt(j, "assignee_id", t.assignee_id);
    if (j.contains("tags")) {
      t.tags = j["tags"].get<std::vector<std::string>>();
      t.tags_known = true;
    }
    get_instant(j, "created_at", t.created_at);
    get_instant(j, "updated_at", t.updated_at);
    get_opt(j, "requester_id", t.requester_id);
    get_opt(j, "organization_id", t.organization_id);
    get_opt(j, "form_id", t.form_id);
    get_opt(j, "brand_id", t.brand_id);
    t.channel = j.value("channel", "");
    t.subject = j.value("subject", "");
    t.description = j.value("description", "");
    if (j.contains("custom_fields")) {
      for (const auto& f : j["custom_fields"]) {
        t.custom_fields.push_back({f.at("id").get<int64_t>(), f.at("value").get<std::string>()});
      }
    }
    return t;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("ticket: ") + e.what());
  }
}

json to_json(const TicketEvent& e) {
  json j;
  j["event_id"] = e.event_id;
  j["source"] = e.source;
  j["type"] = e.type;
  j["kind"] = event_kind_name(e.kind);
  j["ticket_id"] = e.ticket_id;
  j["time"] = to_unix_ms(e.time);
  put_opt(j, "actor_id", e.actor_id);
  if (e.has_snapshot) j["ticket"] = to_json(e.ticket);
  put_opt(j, "previous", e.previous);
  put_opt(j, "current", e.current);
  if (!e.tags_added.empty()) j["tags_added"] = e.tags_added;
  if (!e.tags_removed.empty()) j["tags_removed"] = e.tags_removed;
  if (!e.users_added.empty()) j["users_added"] = e.users_added;
  if (!e.users_removed.empty()) j["users_removed"] = e.users_removed;
  if (e.custom_field)
    j["custom_field"] = {{"id", e.custom_field->id}, {"value", e.custom_field->value}};
  put_opt(j, "merge_target", e.merge_target);
  if (e.comment) {
    json c{{"id", e.comment->id},
           {"is_public", e.comment->is_public},
           {"author_is_staff", e.comment->author_is_staff}};
    put_opt(c, "author_id", e.comment->author_id);
    j["comment"] = std::move(c);
  }
  return j;
}

Result<TicketEvent> ticket_event_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("event: expected an object");
  try {
    TicketEvent e;
    e.event_id = j.at("event_id").get<std::string>();
    e.source = j.value("source", "");
    e.type = j.value("type", "");
    auto kind = parse_event_kind(j.value("kind", "unknown"));
    if (!kind) return Status::InvalidArgument("event: unknown kind " + j.value("kind", ""));
    e.kind = *kind;
    e.ticket_id = j.at("ticket_id").get<int64_t>();
    e.time = from_unix_ms(j.at("time").get<int64_t>());
    get_opt(j, "actor_id", e.actor_id);
    if (j.contains("ticket")) {
      auto t = ticket_snapshot_from_json(j["ticket"]);
      if (!t.ok()) return t.status();
      e.ticket = std::move(t).value();
      e.has_snapshot = true;
    }
    get_opt(j, "previous", e.previous);
    get_opt(j, "current", e.current);
    if (j.contains("tags_added")) e.tags_added = j["tags_added"].get<std::vector<std::string>>();
    if (j.contains("tags_removed"))
      e.tags_removed = j["tags_removed"].get<std::vector<std::string>>();
    if (j.contains("users_added")) e.users_added = j["users_added"].get<std::vector<UserId>>();
    if (j.contains("users_removed"))
      e.users_removed = j["users_removed"].get<std::vector<UserId>>();
    if (j.contains("custom_field")) {
      e.custom_field = CustomFieldValue{j["custom_field"].at("id").get<int64_t>(),
                                        j["custom_field"].at("value").get<std::string>()};
    }
    get_opt(j, "merge_target", e.merge_target);
    if (j.contains("comment")) {
      const auto& c = j["comment"];
      EventComment ec;
      ec.id = c.value("id", "");
      ec.is_public = c.value("is_public", false);
      ec.author_is_staff = c.value("author_is_staff", false);
      get_opt(c, "author_id", ec.author_id);
      e.comment = std::move(ec);
    }
    return e;
  } catch (const json::exception& ex) {
    return Status::InvalidArgument(std::string("event: ") + ex.what());
  }
}

TicketSnapshot apply_change(TicketSnapshot t, const TicketEvent& e) {
  // The vendor's text for an id; "", "0" and anything not a whole number
  // mean none (vendors write an empty id as "0" in some payloads).
  auto id = [](const std::optional<std::string>& text) -> std::optional<int64_t> {
    if (!text || text->empty()) return std::nullopt;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || end != text->data() + text->size() || v == 0) return std::nullopt;
    return v;
  };
  switch (e.kind) {
    case EventKind::kStatusChanged:
      if (e.current) t.status = parse_ticket_status(*e.current);
      break;
    case EventKind::kPriorityChanged:
      if (e.current) t.priority = parse_priority(*e.current);
      break;
    case EventKind::kGroupChanged:
      t.group_id = id(e.current);
      break;
    case EventKind::kAssigneeChanged:
      t.assignee_id = id(e.current);
      break;
    case EventKind::kTagsChanged:
      t.tags = apply_tag_changes(std::move(t.tags), e.tags_added, e.tags_removed);
      t.tags_known = true;
      break;
    case EventKind::kCustomFieldChanged:
      if (e.custom_field) set_custom_field(t, *e.custom_field);
      break;
    default:
      break;
  }
  return t;
}

nlohmann::json event_audit_detail(const TicketEvent& e) {
  nlohmann::json d{{"type", e.type}, {"kind", event_kind_name(e.kind)}, {"source", e.source}};
  if (e.time.time_since_epoch().count() != 0) d["time"] = format_instant(e.time);
  if (e.actor_id) d["actor"] = *e.actor_id;
  if (e.has_snapshot) {
    d["status"] = ticket_status_name(e.ticket.status);
    if (e.ticket.group_id) d["group"] = *e.ticket.group_id;
    if (e.ticket.assignee_id) d["assignee"] = *e.ticket.assignee_id;
    if (e.ticket.requester_id) d["requester"] = *e.ticket.requester_id;
    if (e.ticket.priority) d["priority"] = priority_name(*e.ticket.priority);
    if (e.ticket.updated_at) d["updated_at"] = format_instant(*e.ticket.updated_at);
  }
  if (e.previous) d["previous"] = *e.previous;
  if (e.current) d["current"] = *e.current;
  if (!e.tags_added.empty()) d["tags_added"] = e.tags_added;
  if (!e.tags_removed.empty()) d["tags_removed"] = e.tags_removed;
  return d;
}

}  // namespace tierd
