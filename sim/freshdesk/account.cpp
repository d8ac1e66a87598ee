#include "sim/freshdesk/account.h"

#include <algorithm>

namespace tierd::sim::freshdesk {

using nlohmann::json;

namespace {

json optional_id(const std::optional<int64_t>& id) {
  return id ? json(*id) : json(nullptr);
}

std::string id_text(const std::optional<int64_t>& id) {
  return id ? std::to_string(*id) : std::string();
}

// Reads an id member: a positive integer, or null to clear it.
bool read_id(const json& value, const std::string& field, std::optional<int64_t>& out,
             std::vector<FieldError>& errors) {
  if (value.is_null()) {
    out.reset();
    return true;
  }
  if (!value.is_number_integer() || value.get<int64_t>() <= 0) {
    errors.push_back({field, "It should be a/an Positive Integer", "datatype_mismatch"});
    return false;
  }
  out = value.get<int64_t>();
  return true;
}

bool read_enum(const json& value, const std::string& field, int lo, int hi, int& out,
               std::vector<FieldError>& errors) {
  if (!value.is_number_integer()) {
    errors.push_back({field, "It should be a/an Integer", "datatype_mismatch"});
    return false;
  }
  const int64_t v = value.get<int64_t>();
  if (v < lo || v > hi) {
    std::string choices;
    for (int i = lo; i <= hi; ++i) choices += (i == lo ? "" : ",") + std::to_string(i);
    errors.push_back(
        {field, "It should be one of these values: '" + choices + "'", "invalid_value"});
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

}  // namespace

const std::set<std::string>& ticket_update_fields() {
  static const std::set<std::string> fields = {"status",       "priority",   "group_id",
                                               "responder_id", "tags",       "custom_fields",
                                               "subject",      "description"};
  return fields;
}

std::vector<FieldError> apply_ticket_update(Ticket& ticket, const json& body,
                                            const Account& account,
                                            const std::set<std::string>& allowed,
                                            std::vector<FieldChange>& changes) {
  std::vector<FieldError> errors;
  if (!body.is_object()) {
    errors.push_back({"", "Request body has invalid json format", "invalid_json"});
    return errors;
  }
  Ticket next = ticket;
  for (const auto& [key, value] : body.items()) {
    if (!allowed.count(key)) {
      errors.push_back({key, "Unexpected/invalid field in request", "invalid_field"});
    } else if (key == "status") {
      // 2-5 and the two custom statuses of the documented examples.
      read_enum(value, key, kStatusOpen, 7, next.status, errors);
    } else if (key == "priority") {
      read_enum(value, key, 1, 4, next.priority, errors);
    } else if (key == "group_id") {
      if (read_id(value, key, next.group_id, errors) && next.group_id &&
          !account.groups.count(*next.group_id)) {
        errors.push_back({key, "There is no group matching the given group_id", "invalid_value"});
      }
    } else if (key == "responder_id") {
      if (read_id(value, key, next.responder_id, errors) && next.responder_id &&
          !account.agents.count(*next.responder_id)) {
        errors.push_back(
            {key, "There is no agent matching the given responder_id", "invalid_value"});
      }
    } else if (key == "tags") {
      bool ok = value.is_array();
      std::vector<std::string> tags;
      for (const auto& t : value) {
        if (!ok || !t.is_string()) {
          ok = false;
          break;
        }
        tags.push_back(t.get<std::string>());
      }
      if (!ok) {
        errors.push_back({key, "It should be a/an Array of String", "datatype_mismatch"});
      } else {
        next.tags = std::move(tags);  // the whole list: Freshdesk has no add/remove
      }
    } else if (key == "custom_fields") {
      if (!value.is_object()) {
        errors.push_back({key, "It should be a/an key/value pair", "datatype_mismatch"});
      } else {
        for (const auto& [name, v] : value.items()) next.custom_fields[name] = v;
      }
    } else if (key == "subject" || key == "description") {
      if (!value.is_string()) {
        errors.push_back({key, "It should be a/an String", "datatype_mismatch"});
      } else {
        (key == "subject" ? next.subject : next.description) = value.get<std::string>();
      }
    }
  }
  if (!errors.empty()) return errors;
  if (next.status != ticket.status) {
    changes.push_back({"status", std::to_string(ticket.status), std::to_string(next.status)});
  }
  if (next.priority != ticket.priority) {
    changes.push_back({"priority", std::to_string(ticket.priority), std::to_string(next.priority)});
  }
  if (next.group_id != ticket.group_id) {
    changes.push_back({"group_id", id_text(ticket.group_id), id_text(next.group_id)});
  }
  if (next.responder_id != ticket.responder_id) {
    changes.push_back({"responder_id", id_text(ticket.responder_id), id_text(next.responder_id)});
  }
  ticket = std::move(next);
  return errors;
}

json validation_failed(const std::vector<FieldError>& errors) {
  json list = json::array();
  for (const auto& e : errors) {
    json item = {{"message", e.message}, {"code", e.code}};
    if (!e.field.empty()) item["field"] = e.field;
    list.push_back(std::move(item));
  }
  return {{"description", "Validation failed"}, {"errors", list}};
}

std::string freshdesk_time(Instant t) {
  return format_instant(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

std::string status_name(int status) {
  switch (status) {
    case 2:
      return "Open";
    case 3:
      return "Pending";
    case 4:
      return "Resolved";
    case 5:
      return "Closed";
    case 6:
      return "Waiting on Customer";
    case 7:
      return "Waiting on Third Party";
    default:
      return std::to_string(status);
  }
}

std::string priority_name(int priority) {
  static const char* kNames[] = {"Low", "Medium", "High", "Urgent"};
  return priority >= 1 && priority <= 4 ? kNames[priority - 1] : std::to_string(priority);
}

std::string source_name(int source) {
  switch (source) {
    case 1:
      return "Email";
    case 2:
      return "Portal";
    case 3:
      return "Phone";
    case 7:
      return "Chat";
    case 9:
      return "Feedback Widget";
    case 10:
      return "Outbound Email";
    default:
      return std::to_string(source);
  }
}

json ticket_json(const Ticket& t) {
  return {{"id", t.id},
          {"subject", t.subject},
          {"description", t.description},
          {"description_text", t.description},
          {"status", t.status},
          {"priority", t.priority},
          {"source", t.source},
          {"type", nullptr},
          {"group_id", optional_id(t.group_id)},
          {"responder_id", optional_id(t.responder_id)},
          {"requester_id", t.requester_id},
          {"company_id", nullptr},
          {"tags", t.tags},
          {"custom_fields", t.custom_fields},
          {"cc_emails", json::array()},
          {"fwd_emails", json::array()},
          {"reply_cc_emails", json::array()},
          {"is_escalated", false},
          {"fr_escalated", false},
          {"spam", false},
          {"created_at", freshdesk_time(t.created_at)},
          {"updated_at", freshdesk_time(t.updated_at)}};
}

json note_json(const Note& n) {
  return {{"id", n.id},
          {"body", n.body},
          {"body_text", n.body},
          {"private", n.is_private},
          {"incoming", n.incoming},
          {"source", 2},  // a note
          {"user_id", n.user_id},
          {"ticket_id", n.ticket_id},
          {"notified_to", n.notify_emails},
          {"to_emails", json::array()},
          {"attachments", json::array()},
          {"created_at", freshdesk_time(n.created_at)},
          {"updated_at", freshdesk_time(n.created_at)}};
}

json agent_json(const Agent& a, const Account& account) {
  json group_ids = json::array();
  for (const auto& [id, g] : account.groups) {
    if (std::find(g.agent_ids.begin(), g.agent_ids.end(), a.id) != g.agent_ids.end()) {
      group_ids.push_back(id);
    }
  }
  return {{"id", a.id},
          {"available", a.available},
          {"occasional", false},
          {"ticket_scope", 1},
          {"type", "support_agent"},
          {"group_ids", group_ids},
          {"contact", {{"name", a.name}, {"email", a.email}, {"active", true}}}};
}

json group_json(const Group& g, bool with_agent_ids) {
  json j = {{"id", g.id},
            {"name", g.name},
            {"description", g.description},
            {"auto_ticket_assign", 0},
            {"escalate_to", nullptr},
            {"unassigned_for", nullptr}};
  if (with_agent_ids) j["agent_ids"] = g.agent_ids;
  return j;
}

}  // namespace tierd::sim::freshdesk
