#include "sim/zendesk/rest_json.h"

namespace tierd::sim {

using nlohmann::json;

json id_or_null(const std::optional<int64_t>& id) {
  return id ? json(*id) : json(nullptr);
}

json string_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

const json& ticket_object(const json& body) {
  static const json kNull = nullptr;
  auto it = body.find("ticket");
  return it == body.end() ? kNull : *it;
}

namespace {
// A fixed creation time for seeded users and groups: they predate every ticket.
const char* kSeededAt = "2024-01-02T08:00:00Z";
}  // namespace

json ticket_json(const SimTicket& t, const std::string& base_url) {
  json custom_fields = json::array();
  for (const auto& f : t.custom_fields) custom_fields.push_back({{"id", f.id}, {"value", f.value}});
  bool is_public = t.comments.empty() || t.comments.front().is_public;
  return {
      {"id", t.id},
      {"url", base_url + "/api/v2/tickets/" + std::to_string(t.id) + ".json"},
      {"external_id", string_or_null(t.external_id)},
      {"via",
       {{"channel", t.channel},
        {"source", {{"from", json::object()}, {"to", json::object()}, {"rel", nullptr}}}}},
      {"created_at", format_instant(t.created_at)},
      {"updated_at", format_instant(t.updated_at)},
      {"type", string_or_null(t.type)},
      {"subject", t.subject},
      {"raw_subject", t.subject},
      {"description", t.description},
      {"priority", string_or_null(t.priority)},
      {"status", t.status},
      {"recipient", nullptr},
      {"requester_id", t.requester_id},
      {"submitter_id", t.submitter_id},
      {"assignee_id", id_or_null(t.assignee_id)},
      {"organization_id", id_or_null(t.organization_id)},
      {"group_id", id_or_null(t.group_id)},
      {"collaborator_ids", json::array()},
      {"follower_ids", t.follower_ids},
      {"email_cc_ids", json::array()},
      {"forum_topic_id", nullptr},
      {"problem_id", nullptr},
      {"has_incidents", false},
      {"is_public", is_public},
      {"due_at", nullptr},
      {"tags", t.tags},
      {"custom_fields", custom_fields},
      {"fields", custom_fields},
      {"satisfaction_rating", nullptr},
      {"sharing_agreement_ids", json::array()},
      {"custom_status_id", custom_status_id(t.status)},
      {"followup_ids", json::array()},
      {"ticket_form_id", t.ticket_form_id},
      {"brand_id", t.brand_id},
      {"allow_channelback", false},
      {"allow_attachments", true},
      {"from_messaging_channel", false},
  };
}

json comment_json(const SimComment& c) {
  return {{"id", c.id},
          {"type", "Comment"},
          {"author_id", c.author_id},
          {"body", c.body},
          {"html_body", c.html_body},
          {"plain_body", c.body},
          {"public", c.is_public},
          {"attachments", json::array()},
          {"audit_id", c.audit_id},
          {"via", {{"channel", c.channel}}},
          {"created_at", format_instant(c.created_at)}};
}

json audit_json(const SimTicket& t, const TicketChanges& changes, int64_t author_id,
                const std::string& channel) {
  json events = json::array();
  int64_t event_id = t.change_seq * 100;
  auto change = [&](const char* field, const json& prev, const json& cur) {
    auto text = [](const json& v) {
      return v.is_null() ? json(nullptr) : json(v.is_string() ? v : json(v.dump()));
    };
    json e = {{"id", ++event_id},
              {"type", changes.created ? "Create" : "Change"},
              {"field_name", field},
              {"value", text(cur)}};
    if (!changes.created) e["previous_value"] = text(prev);
    events.push_back(std::move(e));
  };
  if (changes.comment_id) {
    for (const auto& c : t.comments) {
      if (c.id != *changes.comment_id) continue;
      json e = comment_json(c);
      e["id"] = c.id;
      events.push_back(std::move(e));
    }
  }
  if (changes.status) change("status", changes.status->previous, changes.status->current);
  if (changes.priority) change("priority", changes.priority->previous, changes.priority->current);
  if (changes.type) change("type", changes.type->previous, changes.type->current);
  if (changes.group) change("group_id", changes.group->previous, changes.group->current);
  if (changes.assignee)
    change("assignee_id", changes.assignee->previous, changes.assignee->current);
  if (changes.subject) change("subject", changes.subject->previous, changes.subject->current);
  if (!changes.tags_added.empty() || !changes.tags_removed.empty()) {
    json e = {{"id", ++event_id},
              {"type", changes.created ? "Create" : "Change"},
              {"field_name", "tags"},
              {"value", t.tags}};
    if (!changes.created) {
      e["added_tags"] = changes.tags_added;
      e["removed_tags"] = changes.tags_removed;
    }
    events.push_back(std::move(e));
  }
  for (const auto& f : changes.custom_fields)
    change(std::to_string(f.id).c_str(), f.previous, f.current);
  return {{"id", changes.audit_id},
          {"ticket_id", t.id},
          {"created_at", format_instant(t.updated_at)},
          {"author_id", author_id},
          {"metadata", json::object()},
          {"via", {{"channel", channel}}},
          {"events", events}};
}

json user_json(const SimUser& u, const std::string& base_url) {
  return {{"id", u.id},
          {"url", base_url + "/api/v2/users/" + std::to_string(u.id) + ".json"},
          {"name", u.name},
          {"email", u.email},
          {"role", u.role},
          {"active", u.active},
          {"suspended", false},
          {"verified", true},
          {"tags", u.tags},
          {"organization_id", id_or_null(u.organization_id)},
          {"time_zone", "UTC"},
          {"created_at", kSeededAt},
          {"updated_at", kSeededAt}};
}

json group_json(const SimGroup& g, const std::string& base_url) {
  return {{"id", g.id},
          {"url", base_url + "/api/v2/groups/" + std::to_string(g.id) + ".json"},
          {"name", g.name},
          {"description", ""},
          {"default", g.is_default},
          {"deleted", false},
          {"is_public", true},
          {"created_at", kSeededAt},
          {"updated_at", kSeededAt}};
}

json membership_json(const SimMembership& m, const std::string& base_url) {
  return {{"id", m.id},
          {"url", base_url + "/api/v2/group_memberships/" + std::to_string(m.id) + ".json"},
          {"user_id", m.user_id},
          {"group_id", m.group_id},
          {"default", m.is_default},
          {"created_at", kSeededAt},
          {"updated_at", kSeededAt}};
}

}  // namespace tierd::sim
