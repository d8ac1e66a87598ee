#include "sim/zendesk/webhook_events.h"

#include <cctype>
#include <cstdio>

namespace tierd::sim {

using nlohmann::json;

std::optional<EnumCase> parse_enum_case(const std::string& text) {
  if (text == "upper") return EnumCase::kUpper;
  if (text == "lower") return EnumCase::kLower;
  if (text == "title") return EnumCase::kTitle;
  return std::nullopt;
}

std::string apply_case(const std::string& lower, EnumCase c) {
  std::string out = lower;
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(out[i]);
    if (c == EnumCase::kUpper || (c == EnumCase::kTitle && i == 0)) {
      out[i] = static_cast<char>(std::toupper(ch));
    }
  }
  return out;
}

namespace {

json id_string(const std::optional<int64_t>& id, EmptyId empty) {
  if (id) return std::to_string(*id);
  return empty == EmptyId::kZero ? json("0") : json(nullptr);
}

json enum_value(const json& lower, EnumCase c) {
  return lower.is_string() ? json(apply_case(lower.get<std::string>(), c)) : json(nullptr);
}

json id_value(const json& id, EmptyId empty) {
  if (id.is_number()) return std::to_string(id.get<int64_t>());
  return empty == EmptyId::kZero ? json("0") : json(nullptr);
}

json id_list(const std::vector<int64_t>& ids) {
  json out = json::array();
  for (int64_t id : ids) out.push_back(std::to_string(id));
  return out;
}

}  // namespace

std::string random_uuid(std::mt19937_64& rng) {
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string random_hex_id(std::mt19937_64& rng) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llX%016llX", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

json webhook_detail(const SimTicket& t, int64_t actor_id, EnumCase c, EmptyId empty_id) {
  return {{"actor_id", std::to_string(actor_id)},
          {"assignee_id", id_string(t.assignee_id, empty_id)},
          {"brand_id", std::to_string(t.brand_id)},
          {"created_at", format_instant(t.created_at)},
          {"custom_status", std::to_string(custom_status_id(t.status))},
          {"description", t.description},
          {"external_id", t.external_id},
          {"form_id", std::to_string(t.ticket_form_id)},
          {"group_id", id_string(t.group_id, empty_id)},
          {"id", std::to_string(t.id)},
          {"is_public", t.comments.empty() || t.comments.front().is_public},
          {"organization_id", id_string(t.organization_id, empty_id)},
          {"priority", t.priority.empty() ? json(nullptr) : json(apply_case(t.priority, c))},
          {"requester_id", std::to_string(t.requester_id)},
          {"status", apply_case(t.status, c)},
          {"subject", t.subject},
          {"submitter_id", std::to_string(t.submitter_id)},
          {"tags", t.tags},
          {"type", t.type.empty() ? json(nullptr) : json(apply_case(t.type, c))},
          {"updated_at", format_instant(t.updated_at)},
          {"via", {{"channel", t.channel}}}};
}

std::vector<json> build_ticket_events(const SimState& state, const SimTicket& after,
                                      const TicketChanges& changes, int64_t actor_id,
                                      const EventContext& ctx, std::mt19937_64& rng) {
  std::vector<json> events;
  const std::string sequence_id = random_hex_id(rng);
  const json detail = webhook_detail(after, actor_id, ctx.enum_case, ctx.empty_id);
  auto add = [&](const std::string& type, json event) {
    event["meta"] = {
        {"sequence", {{"id", sequence_id}, {"position", static_cast<int>(events.size()) + 1}}}};
    events.push_back({{"type", "zen:event-type:ticket." + type},
                      {"account_id", ctx.account_id},
                      {"id", random_uuid(rng)},
                      {"time", format_instant(whole_seconds(ctx.now))},
                      {"zendesk_event_version", "2022-11-06"},
                      {"subject", "zen:ticket:" + std::to_string(after.id)},
                      {"detail", detail},
                      {"event", std::move(event)}});
  };
  auto scalar = [](const json& previous, const json& current) {
    return json{{"current", current}, {"previous", previous}};
  };

  if (changes.created) {
    add("created", json::object());
    return events;
  }
  if (changes.status) {
    add("status_changed", scalar(enum_value(changes.status->previous, ctx.enum_case),
                                 enum_value(changes.status->current, ctx.enum_case)));
  }
  if (changes.priority) {
    add("priority_changed", scalar(enum_value(changes.priority->previous, ctx.enum_case),
                                   enum_value(changes.priority->current, ctx.enum_case)));
  }
  if (changes.type) {
    add("type_changed", scalar(enum_value(changes.type->previous, ctx.enum_case),
                               enum_value(changes.type->current, ctx.enum_case)));
  }
  if (changes.subject) {
    add("subject_changed", scalar(changes.subject->previous, changes.subject->current));
  }
  if (changes.group) {
    add("group_assignment_changed",
        scalar(id_value(changes.group->previous, ctx.empty_id),
               id_value(changes.group->current, ctx.empty_id)));
  }
  if (changes.assignee) {
    add("agent_assignment_changed",
        scalar(id_value(changes.assignee->previous, ctx.empty_id),
               id_value(changes.assignee->current, ctx.empty_id)));
  }
  if (!changes.tags_added.empty() || !changes.tags_removed.empty()) {
    add("tags_changed",
        {{"tags_added", changes.tags_added}, {"tags_removed", changes.tags_removed}});
  }
  for (const auto& f : changes.custom_fields) {
    json e = scalar(f.previous, f.current);
    e["custom_field"] = {{"id", std::to_string(f.id)},
                         {"title", "Field " + std::to_string(f.id)},
                         {"type", f.current.is_string() || f.current.is_null() ? "text" : "other"}};
    add("custom_field_changed", std::move(e));
  }
  if (!changes.followers_added.empty() || !changes.followers_removed.empty()) {
    add("followers_changed", {{"users_added", id_list(changes.followers_added)},
                              {"users_removed", id_list(changes.followers_removed)}});
  }
  if (changes.comment_id) {
    for (const auto& c : after.comments) {
      if (c.id != *changes.comment_id) continue;
      const SimUser* author = state.find_user(c.author_id);
      add("comment_added", {{"comment",
                             {{"id", std::to_string(c.id)},
                              {"body", c.body},
                              {"is_public", c.is_public},
                              {"author",
                               {{"id", std::to_string(c.author_id)},
                                {"is_staff", author && author->is_staff()},
                                {"name", author ? author->name : std::string()}}}}}});
    }
  }
  return events;
}

}  // namespace tierd::sim
