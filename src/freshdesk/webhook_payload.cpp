#include "freshdesk/webhook_payload.h"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>
#include <vector>

#include "helpdesk/json_ids.h"
#include "helpdesk/text_codec.h"

namespace tierd::freshdesk {
namespace {

using nlohmann::json;

// The longest rendered text read as an enum name or a tag list; longer is
// not something Freshdesk renders for these placeholders.
constexpr size_t kMaxEnumBytes = 64;
constexpr size_t kMaxTagsBytes = 16 * 1024;

// Freshdesk's documented ticket sources by code.
constexpr std::array<std::pair<int64_t, std::string_view>, 9> kChannels = {{
    {1, "email"},
    {2, "portal"},
    {3, "phone"},
    {4, "forum"},
    {5, "twitter"},
    {6, "facebook"},
    {7, "chat"},
    {9, "feedback_widget"},
    {10, "outbound_email"},
}};

// `s` without one pair of surrounding braces, trimmed.
std::string_view unbrace(std::string_view s) {
  s = trim_space(s);
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}')
    s = trim_space(s.substr(1, s.size() - 2));
  return s;
}

// A scalar member as text: strings as they are (trimmed), whole numbers in
// decimal. nullopt when absent or null; InvalidArgument for other types.
Result<std::optional<std::string>> scalar_text(const json* v, std::string_view path,
                                               std::string_view expected) {
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (v->is_string())
    return std::optional<std::string>(trim_space(v->get_ref<const std::string&>()));
  if (v->is_number_integer() || v->is_number_unsigned()) {
    return std::optional<std::string>(v->dump());
  }
  return Status::InvalidArgument(std::string(path) + ": expected " + std::string(expected));
}

std::optional<int64_t> code_of(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  return int64_from_text(text);
}

// A required id member that may be empty: "", null, 0 give none.
Result<std::optional<int64_t>> optional_id_field(const json& ticket, const char* key) {
  const std::string path = std::string("ticket.") + key;
  auto it = ticket.find(key);
  if (it == ticket.end()) {
    return Status::InvalidArgument(path + ": required (an empty string when there is none)");
  }
  if (it->is_null()) return std::optional<int64_t>();
  if (it->is_string() && trim_space(it->get_ref<const std::string&>()).empty()) {
    return std::optional<int64_t>();
  }
  auto id = id_from_json(*it);
  if (!id || *id < 0) {
    return Status::InvalidArgument(path + ": expected an id or \"\" for none");
  }
  return *id == 0 ? std::optional<int64_t>() : std::optional<int64_t>(*id);
}

// {{ticket.tags}} renders the tags comma-separated; tags may hold spaces,
// so only commas separate them.
Result<std::optional<std::vector<std::string>>> tags_field(const json* v) {
  using Tags = std::optional<std::vector<std::string>>;
  if (v == nullptr || v->is_null()) return Tags();
  std::vector<std::string> tags;
  if (v->is_array()) {
    for (const auto& t : *v) {
      if (!t.is_string()) return Status::InvalidArgument("ticket.tags: expected strings");
      tags.emplace_back(trim_space(t.get_ref<const std::string&>()));
    }
  } else if (v->is_string()) {
    std::string_view s = v->get_ref<const std::string&>();
    if (s.size() > kMaxTagsBytes) return Status::InvalidArgument("ticket.tags: too long");
    while (!s.empty()) {
      size_t comma = s.find(',');
      tags.emplace_back(trim_space(s.substr(0, comma)));
      s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    }
  } else {
    return Status::InvalidArgument("ticket.tags: expected a comma-separated string or an array");
  }
  return Tags(normalize_tags(std::move(tags)));
}

struct TicketFields {
  TicketSnapshot snapshot;
  std::string updated_at_text;  // as rendered, when it is an instant
};

Result<TicketFields> read_ticket(const json& ticket, TicketId id) {
  TicketFields out;
  TicketSnapshot& s = out.snapshot;
  s.id = id;

  auto status =
      scalar_text(json_member(&ticket, "status"), "ticket.status", "a status name or code");
  if (!status.ok()) return status.status();
  if (*status) {
    auto code = code_of(**status);
    s.status = code ? status_from_code(*code) : status_from_text(**status);
  }

  auto priority =
      scalar_text(json_member(&ticket, "priority"), "ticket.priority", "a priority name or code");
  if (!priority.ok()) return priority.status();
  if (*priority) {
    auto code = code_of(**priority);
    s.priority = code ? priority_from_code(*code) : priority_from_text(**priority);
  }

  auto group = optional_id_field(ticket, "group_id");
  if (!group.ok()) return group.status();
  s.group_id = *group;
  auto agent = optional_id_field(ticket, "responder_id");
  if (!agent.ok()) return agent.status();
  s.assignee_id = *agent;

  auto tags = tags_field(json_member(&ticket, "tags"));
  if (!tags.ok()) return tags.status();
  if (*tags) {
    s.tags = std::move(**tags);
    s.tags_known = true;
  }

  auto channel =
      scalar_text(json_member(&ticket, "source"), "ticket.source", "a source name or code");
  if (!channel.ok()) return channel.status();
  if (*channel) {
    auto code = code_of(**channel);
    s.channel = code ? channel_from_code(*code) : channel_from_text(**channel);
  }

  const std::string updated =
      std::string(trim_space(json_string_or_empty(json_member(&ticket, "updated_at"))));
  if (auto t = parse_instant(updated); t.ok()) {
    s.updated_at = *t;
    out.updated_at_text = format_instant(*t);
  }
  return out;
}

std::string event_id(TicketId ticket, const TicketFields& fields, std::string_view rule,
                     std::string_view event, std::string_view body) {
  const std::string prefix = "freshdesk:" + std::to_string(ticket) + ":";
  if (fields.updated_at_text.empty()) return prefix + "body:" + sha256_hex_prefix(body, 16);
  std::string named(rule);
  named += '\n';
  named += event;
  return prefix + fields.updated_at_text + ":" + sha256_hex_prefix(named, 16);
}

Result<ParsedDelivery> map_rule_body(const json& root, std::string_view body, Instant received_at) {
  const json* ticket = json_member(&root, "ticket");
  if (ticket == nullptr || !ticket->is_object()) {
    return Status::InvalidArgument("ticket: expected an object");
  }
  const json* id_value = json_member(ticket, "id");
  auto ticket_id = id_value == nullptr ? std::nullopt : id_from_json(*id_value);
  if (!ticket_id || *ticket_id <= 0) {
    return Status::InvalidArgument("ticket.id: expected a positive ticket id");
  }
  const json* rule_value = json_member(&root, "rule");
  const json* event_value = json_member(&root, "event");
  if (rule_value != nullptr && !rule_value->is_string() && !rule_value->is_null()) {
    return Status::InvalidArgument("rule: expected the rule's name as a string");
  }
  if (event_value != nullptr && !event_value->is_string() && !event_value->is_null()) {
    return Status::InvalidArgument("event: expected the {{triggered_event}} text as a string");
  }
  const std::string rule = json_string_or_empty(rule_value);
  const std::string event_text = json_string_or_empty(event_value);

  auto fields = read_ticket(*ticket, *ticket_id);
  if (!fields.ok()) return fields.status();

  TriggeredEvent triggered = parse_triggered_event(event_text);
  TicketEvent e;
  e.event_id = event_id(*ticket_id, *fields, rule, event_text, body);
  e.source = std::string(kEventSourceName);
  e.type = std::string(kRuleSource);
  if (!triggered.field.empty()) e.type += ":" + triggered.field;
  const bool created = triggered.field == "ticket_action" && triggered.value &&
                       ascii_lower(*triggered.value) == "created";
  e.kind = created ? EventKind::kCreated : EventKind::kSnapshot;
  e.ticket_id = *ticket_id;
  e.has_snapshot = true;
  e.ticket = std::move(fields->snapshot);
  e.time = e.ticket.updated_at.value_or(received_at);
  if (created && e.ticket.updated_at) e.ticket.created_at = e.ticket.updated_at;
  e.previous = triggered.from;
  e.current = triggered.to ? triggered.to : triggered.value;

  return ticket_event_delivery(std::move(e));
}

Result<ParsedDelivery> map_delivery(const json& root, std::string_view body, Instant received_at) {
  const std::string source = json_string_or_empty(json_member(&root, "source"));
  if (source != kRuleSource) {
    ParsedDelivery out;
    out.type = truncate_utf8(source, kMaxEnumBytes);
    out.reason = source.empty() ? "no source member: not a body tierd defined"
                                : "another source: not a body tierd defined";
    return out;
  }
  return map_rule_body(root, body, received_at);
}

// Cut to a short name (whole UTF-8 characters), lower-case, spaces and
// dashes as '_'.
std::string enum_key(std::string_view text) {
  std::string out = ascii_lower(trim_space(truncate_utf8(trim_space(text), kMaxEnumBytes)));
  for (char& c : out) {
    if (c == ' ' || c == '-') c = '_';
  }
  return out;
}

}  // namespace

TriggeredEvent parse_triggered_event(std::string_view text) {
  TriggeredEvent out;
  std::string_view inner = unbrace(text);
  size_t colon = inner.find(':');
  if (colon == std::string_view::npos) return out;
  out.field = std::string(trim_space(inner.substr(0, colon)));
  std::string_view rest = trim_space(inner.substr(colon + 1));
  if (rest.empty() || rest.front() != '{') {
    out.value = std::string(rest);
    return out;
  }
  // {from:X,to:Y}: neither side holds a comma or a brace.
  std::string_view pairs = unbrace(rest);
  while (!pairs.empty()) {
    size_t comma = pairs.find(',');
    std::string_view pair = pairs.substr(0, comma);
    pairs = comma == std::string_view::npos ? std::string_view() : pairs.substr(comma + 1);
    size_t sep = pair.find(':');
    if (sep == std::string_view::npos) continue;
    std::string_view key = trim_space(pair.substr(0, sep));
    std::string value(trim_space(pair.substr(sep + 1)));
    if (key == "from") {
      out.from = std::move(value);
    } else if (key == "to") {
      out.to = std::move(value);
    }
  }
  return out;
}

TicketStatus status_from_code(int64_t code) {
  switch (code) {
    case 2:
      return TicketStatus::kOpen;
    case 3:
      return TicketStatus::kPending;
    case 4:
      return TicketStatus::kSolved;
    case 5:
      return TicketStatus::kClosed;
    default:
      return TicketStatus::kUnknown;  // 6 and up: the account's custom statuses
  }
}

TicketStatus status_from_text(std::string_view text) {
  const std::string key = enum_key(text);
  if (key == "open") return TicketStatus::kOpen;
  if (key == "pending") return TicketStatus::kPending;
  if (key == "resolved") return TicketStatus::kSolved;
  if (key == "closed") return TicketStatus::kClosed;
  return TicketStatus::kUnknown;
}

std::optional<Priority> priority_from_code(int64_t code) {
  switch (code) {
    case 1:
      return Priority::kLow;
    case 2:
      return Priority::kNormal;
    case 3:
      return Priority::kHigh;
    case 4:
      return Priority::kUrgent;
    default:
      return std::nullopt;
  }
}

std::optional<Priority> priority_from_text(std::string_view text) {
  const std::string key = enum_key(text);
  if (key == "low") return Priority::kLow;
  if (key == "medium") return Priority::kNormal;
  if (key == "high") return Priority::kHigh;
  if (key == "urgent") return Priority::kUrgent;
  return std::nullopt;
}

std::string channel_from_code(int64_t code) {
  for (const auto& [c, name] : kChannels) {
    if (c == code) return std::string(name);
  }
  return std::string();
}

std::string channel_from_text(std::string_view text) {
  return enum_key(text);
}

Result<ParsedDelivery> parse_webhook_delivery(std::string_view body, Instant received_at) {
  return map_webhook_body(body,
                          [&](const json& root) { return map_delivery(root, body, received_at); });
}

}  // namespace tierd::freshdesk
