#include "core/ticket_write.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tierd {

std::vector<std::string> TicketWrite::apply_tags(std::vector<std::string> tags) const {
  return apply_tag_changes(std::move(tags), add_tags, remove_tags);
}

TicketSnapshot ticket_after_write(TicketSnapshot t, const TicketWrite& w) {
  if (w.set_group) t.group_id = w.set_group;
  if (w.clear_assignee) t.assignee_id.reset();
  if (w.set_assignee) t.assignee_id = w.set_assignee;
  t.tags = w.apply_tags(std::move(t.tags));
  std::erase_if(t.custom_fields, [&](const CustomFieldValue& f) {
    return std::find(w.clear_custom_fields.begin(), w.clear_custom_fields.end(), f.id) !=
           w.clear_custom_fields.end();
  });
  return t;
}

std::string write_marker(const std::string& idempotency_key) {
  return "[tierd ref " + idempotency_key + "]";
}

nlohmann::json to_json(const TicketWrite& w) {
  nlohmann::json j;
  j["kind"] = w.kind;
  j["key"] = w.idempotency_key;
  j["ticket_id"] = w.ticket_id;
  if (w.set_group) j["set_group"] = *w.set_group;
  if (w.clear_assignee) j["clear_assignee"] = true;
  if (w.set_assignee) j["set_assignee"] = *w.set_assignee;
  if (!w.add_tags.empty()) j["add_tags"] = w.add_tags;
  if (!w.remove_tags.empty()) j["remove_tags"] = w.remove_tags;
  if (!w.add_followers.empty()) j["add_followers"] = w.add_followers;
  if (w.note) j["note"] = *w.note;
  if (!w.clear_custom_fields.empty()) j["clear_custom_fields"] = w.clear_custom_fields;
  j["base_tags"] = w.base_tags;
  if (w.base_updated_at) j["base_updated_at"] = to_unix_ms(*w.base_updated_at);
  return j;
}

Result<TicketWrite> ticket_write_from_json(const nlohmann::json& j) {
  try {
    TicketWrite w;
    w.kind = j.at("kind").get<std::string>();
    w.idempotency_key = j.at("key").get<std::string>();
    w.ticket_id = j.at("ticket_id").get<TicketId>();
    if (j.contains("set_group")) w.set_group = j["set_group"].get<GroupId>();
    w.clear_assignee = j.value("clear_assignee", false);
    if (j.contains("set_assignee")) w.set_assignee = j["set_assignee"].get<UserId>();
    w.add_tags = j.value("add_tags", std::vector<std::string>{});
    w.remove_tags = j.value("remove_tags", std::vector<std::string>{});
    w.add_followers = j.value("add_followers", std::vector<UserId>{});
    if (j.contains("note")) w.note = j["note"].get<std::string>();
    w.clear_custom_fields = j.value("clear_custom_fields", std::vector<int64_t>{});
    w.base_tags = j.value("base_tags", std::vector<std::string>{});
    if (j.contains("base_updated_at"))
      w.base_updated_at = from_unix_ms(j["base_updated_at"].get<int64_t>());
    return w;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("write: ") + e.what());
  }
}

}  // namespace tierd
