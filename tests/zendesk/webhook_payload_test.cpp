#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "zendesk/webhook_payload.h"
#include "support/fixtures.h"

using namespace tierd;
using namespace tierd::zendesk;
using nlohmann::json;

namespace {

const Instant kReceived = *parse_instant("2025-03-10T09:22:42Z");

DeliveryMeta meta_with(std::string invocation_id = "") {
  DeliveryMeta m;
  m.invocation_id = std::move(invocation_id);
  m.webhook_id = "01F1KRFQ6BG29CNWFR60NK5FNY";
  m.received_at = kReceived;
  return m;
}

TicketEvent expect_event(std::string_view body, const DeliveryMeta& meta = meta_with()) {
  auto parsed = parse_webhook_delivery(body, meta);
  INFO(parsed.status().to_string());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->outcome == DeliveryOutcome::kTicketEvent);
  REQUIRE(parsed->event.has_value());
  return *parsed->event;
}

void expect_ignored(std::string_view body) {
  auto parsed = parse_webhook_delivery(body, meta_with());
  REQUIRE(parsed.ok());
  CHECK(parsed->outcome == DeliveryOutcome::kIgnored);
  CHECK_FALSE(parsed->event.has_value());
  CHECK_FALSE(parsed->reason.empty());
}

void expect_invalid(std::string_view body) {
  auto parsed = parse_webhook_delivery(body, meta_with());
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(parsed.status().message().empty());
}

// A minimal event envelope around `detail` and `event`.
json envelope(const std::string& type, json detail, json event = json::object()) {
  return json{{"type", "zen:event-type:ticket." + type},
              {"account_id", 12514403},
              {"id", "evt-" + type},
              {"time", "2025-03-10T09:22:41Z"},
              {"subject", "zen:ticket:48213"},
              {"detail", std::move(detail)},
              {"event", std::move(event)}};
}

json detail_48213() {
  return json{{"id", "48213"}, {"status", "OPEN"}, {"group_id", "114001"}, {"actor_id", "500120"}};
}

}  // namespace

TEST_CASE("maps ticket.created with its full snapshot", "[webhook_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("zendesk/ticket_created.json"));
  CHECK(e.kind == EventKind::kCreated);
  CHECK(e.event_id == "5b0e7c1a-93d4-4f2e-b8a6-0c41d2e9f713");
  CHECK(e.source == "zendesk.event");
  CHECK(e.type == "zen:event-type:ticket.created");
  CHECK(e.ticket_id == 48213);
  CHECK(e.time == *parse_instant("2025-03-10T09:00:05Z"));
  CHECK(e.actor_id == 902001);
  REQUIRE(e.has_snapshot);
  const TicketSnapshot& t = e.ticket;
  CHECK(t.id == 48213);
  CHECK(t.status == TicketStatus::kNew);
  CHECK(t.priority == Priority::kNormal);
  CHECK(t.group_id == 114001);
  CHECK_FALSE(t.assignee_id.has_value());
  CHECK(t.tags_known);
  CHECK(t.tags == std::vector<std::string>{"billing", "tier1"});
  CHECK(t.created_at == *parse_instant("2025-03-10T09:00:04Z"));
  CHECK(t.updated_at == *parse_instant("2025-03-10T09:00:04Z"));
  CHECK(t.requester_id == 902001);
  CHECK(t.organization_id == 770010);
  CHECK(t.form_id == 360002);
  CHECK(t.brand_id == 360007);
  CHECK(t.channel == "web_form");
  CHECK(t.subject == "Refund for order 7731 never arrived");
  CHECK(t.description ==
        "I returned order 7731 on 2 March and the refund is still not on my card.");
}

TEST_CASE("maps ticket.status_changed with previous and current", "[webhook_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("zendesk/ticket_status_changed.json"));
  CHECK(e.kind == EventKind::kStatusChanged);
  CHECK(e.event_id == "a4d27e90-6c1b-4e58-9f03-7b2e1c5d8a46");
  CHECK(e.previous == "NEW");
  CHECK(e.current == "OPEN");
  CHECK(e.ticket.status == TicketStatus::kOpen);
  CHECK(e.ticket.assignee_id == 500120);
  CHECK(e.actor_id == 500120);
}

TEST_CASE("maps ticket.group_assignment_changed with a system actor", "[webhook_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("zendesk/ticket_group_assignment_changed.json"));
  CHECK(e.kind == EventKind::kGroupChanged);
  CHECK(e.previous == "114001");
  CHECK(e.current == "114002");
  CHECK(e.ticket.group_id == 114002);
  CHECK(e.actor_id == -1);
  CHECK(e.ticket.tags == std::vector<std::string>{"billing", "escalated_tier2", "tier1"});
}

TEST_CASE("maps ticket.agent_assignment_changed from none to an agent", "[webhook_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("zendesk/ticket_agent_assignment_changed.json"));
  CHECK(e.kind == EventKind::kAssigneeChanged);
  CHECK_FALSE(e.previous.has_value());
  CHECK(e.current == "500120");
  CHECK(e.ticket.assignee_id == 500120);
  CHECK(e.actor_id == 500777);
}

TEST_CASE("maps ticket.tags_changed with added and removed tags", "[webhook_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("zendesk/ticket_tags_changed.json"));
  CHECK(e.kind == EventKind::kTagsChanged);
  CHECK(e.tags_added == std::vector<std::string>{"escalated_tier2"});
  CHECK(e.tags_removed.empty());
}

TEST_CASE("maps an internal note without keeping its body", "[webhook_payload]") {
  std::string body = testing::read_fixture("zendesk/ticket_comment_added_internal_note.json");
  TicketEvent e = expect_event(body);
  CHECK(e.kind == EventKind::kCommentAdded);
  REQUIRE(e.comment.has_value());
  CHECK(e.comment->id == "41000000917");
  CHECK_FALSE(e.comment->is_public);
  CHECK(e.comment->author_id == 500777);
  CHECK(e.comment->author_is_staff);
  CHECK(e.ticket.channel == "web");
  CHECK(to_json(e).dump().find("Checked the payment provider") == std::string::npos);
}

TEST_CASE("maps a public requester reply", "[webhook_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("zendesk/ticket_comment_added_public_reply.json"));
  CHECK(e.kind == EventKind::kCommentAdded);
  REQUIRE(e.comment.has_value());
  CHECK(e.comment->id == "41000000958");
  CHECK(e.comment->is_public);
  CHECK(e.comment->author_id == 902001);
  CHECK_FALSE(e.comment->author_is_staff);
  CHECK(e.ticket.status == TicketStatus::kOpen);
  CHECK(e.ticket.channel == "email");
}

TEST_CASE("maps the rendered trigger body to a snapshot", "[webhook_payload]") {
  std::string body = testing::read_fixture("zendesk/trigger_body_rendered.json");
  TicketEvent e = expect_event(body, meta_with("8350205582"));
  CHECK(e.kind == EventKind::kSnapshot);
  CHECK(e.source == "zendesk.trigger");
  CHECK(e.type == "zendesk_trigger");
  CHECK(e.event_id == "8350205582");
  CHECK(e.ticket_id == 48213);
  // {{ticket.updated_at_with_timestamp}} renders to the minute.
  REQUIRE(e.ticket.updated_at.has_value());
  CHECK(*e.ticket.updated_at == *parse_instant("2025-03-10T09:00:00Z"));
  CHECK(e.time == *e.ticket.updated_at);
  CHECK(e.actor_id == 902001);
  REQUIRE(e.has_snapshot);
  CHECK(e.ticket.status == TicketStatus::kOpen);
  CHECK(e.ticket.priority == Priority::kNormal);
  CHECK(e.ticket.group_id == 114001);
  CHECK_FALSE(e.ticket.assignee_id.has_value());
  CHECK(e.ticket.tags_known);
  CHECK(e.ticket.tags == std::vector<std::string>{"billing", "tier1"});
  CHECK(e.ticket.channel == "web_form");
}

TEST_CASE("a trigger body's updated_at is read in every ISO-8601 form", "[webhook_payload]") {
  const Instant at_seconds = *parse_instant("2025-03-10T09:00:04Z");
  struct Row {
    const char* file;
    Instant updated_at;
    const char* subject;
  };
  const Row rows[] = {
      {"zendesk/trigger_body_rendered.json", at_seconds - std::chrono::seconds(4), ""},
      {"zendesk/trigger_updated_at_seconds.json", at_seconds,
       "Remboursement de la commande 7731 échoué"},
      {"zendesk/trigger_updated_at_fraction.json", at_seconds + std::chrono::milliseconds(250),
       "注文 7731 の返金"},
      {"zendesk/trigger_updated_at_offset.json", at_seconds,
       "Rückerstattung für Bestellung 7731"},
  };
  for (const auto& row : rows) {
    INFO(row.file);
    TicketEvent e = expect_event(testing::read_fixture(row.file));
    REQUIRE(e.ticket.updated_at.has_value());
    CHECK(*e.ticket.updated_at == row.updated_at);
    CHECK(e.time == row.updated_at);
    CHECK(e.ticket.subject == row.subject);
    CHECK(e.ticket.group_id == 114001);
  }
}

TEST_CASE("a trigger body without an invocation id gets a stable derived event id",
          "[webhook_payload]") {
  std::string body = testing::read_fixture("zendesk/trigger_body_rendered.json");
  TicketEvent a = expect_event(body);
  TicketEvent b = expect_event(body);
  CHECK(a.event_id == "trigger:48213:2025-03-10T09:00Z:" + sha256_hex_prefix(body, 16));
  CHECK(sha256_hex_prefix(body, 16).size() == 16);
  CHECK(a.event_id == b.event_id);
  std::string other = body;
  other.insert(other.find("\"trigger\""), "\"extra\": 1, ");
  CHECK(expect_event(other).event_id != a.event_id);
}

TEST_CASE("an invocation id with spaces or control bytes is not used as the event id",
          "[webhook_payload]") {
  std::string body = testing::read_fixture("zendesk/trigger_body_rendered.json");
  CHECK(expect_event(body, meta_with("83502 05582")).event_id.rfind("trigger:48213:", 0) == 0);
  CHECK(expect_event(body, meta_with("8350\x01")).event_id.rfind("trigger:48213:", 0) == 0);
}

TEST_CASE("trigger body accepts tags as an array, On-hold status and empty priority",
          "[webhook_payload]") {
  json body = {{"source", "zendesk_trigger"},
               {"ticket",
                {{"id", 48213},
                 {"status", "On-hold"},
                 {"priority", ""},
                 {"group_id", ""},
                 {"assignee_id", 500120},
                 {"tags", {"Tier1", "billing", "billing"}},
                 {"updated_at", "2025-03-10T09:00:04Z"}}}};
  TicketEvent e = expect_event(body.dump());
  CHECK(e.ticket.status == TicketStatus::kHold);
  CHECK(e.ticket.priority == Priority::kNone);
  CHECK_FALSE(e.ticket.group_id.has_value());
  CHECK(e.ticket.assignee_id == 500120);
  CHECK(e.ticket.tags == std::vector<std::string>{"billing", "tier1"});
}

TEST_CASE("a trigger body with no tags field leaves the tag list unknown", "[webhook_payload]") {
  json body = {{"source", "zendesk_trigger"}, {"ticket", {{"id", "7"}, {"status", "pending"}}}};
  TicketEvent e = expect_event(body.dump());
  CHECK_FALSE(e.ticket.tags_known);
  CHECK(e.ticket.status == TicketStatus::kPending);
  CHECK(e.time == kReceived);
}

TEST_CASE("ids given as integers map to the same event as ids given as strings",
          "[webhook_payload]") {
  json as_strings = json::parse(testing::read_fixture("zendesk/ticket_agent_assignment_changed.json"));
  json as_numbers = as_strings;
  for (const char* key : {"actor_id", "assignee_id", "brand_id", "form_id", "group_id", "id",
                          "organization_id", "requester_id", "submitter_id"}) {
    auto& v = as_numbers["detail"][key];
    if (v.is_string()) v = std::stoll(v.get<std::string>());
  }
  as_numbers["event"]["current"] = 500120;
  TicketEvent a = expect_event(as_strings.dump());
  TicketEvent b = expect_event(as_numbers.dump());
  CHECK(a == b);
  CHECK(b.actor_id == 500777);
  CHECK(b.ticket.assignee_id == 500120);
}

TEST_CASE("enum values are read in any case", "[webhook_payload]") {
  for (const char* status : {"OPEN", "open", "Open", "oPeN"}) {
    json d = detail_48213();
    d["status"] = status;
    d["priority"] = std::string(status) == "open" ? "urgent" : "URGENT";
    TicketEvent e = expect_event(envelope("status_changed", d).dump());
    CHECK(e.ticket.status == TicketStatus::kOpen);
    CHECK(e.ticket.priority == Priority::kUrgent);
  }
}

TEST_CASE("unknown fields anywhere are ignored", "[webhook_payload]") {
  json plain = json::parse(testing::read_fixture("zendesk/ticket_status_changed.json"));
  json extra = plain;
  extra["brand_new_top_level"] = {{"nested", {1, 2, 3}}};
  extra["detail"]["sla"] = {{"policy", "gold"}};
  extra["detail"]["via"]["source"] = {{"from", {}}};
  extra["event"]["reason"] = "because";
  CHECK(expect_event(plain.dump()) == expect_event(extra.dump()));
}

TEST_CASE("null and empty ids mean none", "[webhook_payload]") {
  json d = detail_48213();
  d["group_id"] = "";
  d["assignee_id"] = nullptr;
  d["organization_id"] = "";
  TicketEvent e = expect_event(envelope("created", d).dump());
  CHECK_FALSE(e.ticket.group_id.has_value());
  CHECK_FALSE(e.ticket.assignee_id.has_value());
  CHECK_FALSE(e.ticket.organization_id.has_value());
}

TEST_CASE("zero as text or number means none for every id that can be empty", "[webhook_payload]") {
  // Zendesk's documented user-event payloads write an empty id as "0"
  // ("organization_id": "0", "default_group_id": "0"); the same spelling in
  // a ticket payload must never become user or group 0.
  json d = detail_48213();
  d["group_id"] = "0";
  d["assignee_id"] = 0;
  d["organization_id"] = "0";
  d["requester_id"] = "0";
  d["brand_id"] = "0";
  d["form_id"] = 0;
  d["actor_id"] = "0";
  TicketEvent created = expect_event(envelope("created", d).dump());
  CHECK_FALSE(created.ticket.group_id.has_value());
  CHECK_FALSE(created.ticket.assignee_id.has_value());
  CHECK_FALSE(created.ticket.organization_id.has_value());
  CHECK_FALSE(created.ticket.requester_id.has_value());
  CHECK_FALSE(created.ticket.brand_id.has_value());
  CHECK_FALSE(created.ticket.form_id.has_value());
  CHECK_FALSE(created.actor_id.has_value());

  // The system actor stays -1.
  d["actor_id"] = "-1";
  CHECK(expect_event(envelope("created", d).dump()).actor_id == -1);

  // A change to "0" clears the field in the mirror.
  TicketEvent unassigned = expect_event(
      envelope("agent_assignment_changed", d, {{"previous", "500120"}, {"current", "0"}}).dump());
  TicketSnapshot before;
  before.assignee_id = 500120;
  before.group_id = 114001;
  CHECK_FALSE(apply_change(before, unassigned).assignee_id.has_value());
  TicketEvent no_group = expect_event(
      envelope("group_assignment_changed", d, {{"previous", "114001"}, {"current", 0}}).dump());
  CHECK_FALSE(apply_change(before, no_group).group_id.has_value());

  // Nobody is user 0 in a follower list.
  TicketEvent followers = expect_event(
      envelope("followers_changed", d, {{"users_added", {"0", "500120", 0}}, {"users_removed", {"0"}}})
          .dump());
  CHECK(followers.users_added == std::vector<UserId>{500120});
  CHECK(followers.users_removed.empty());

  // A trigger body renders an empty placeholder as "" or "0" alike.
  json trigger = {{"source", "zendesk_trigger"},
                  {"ticket", {{"id", "48213"}, {"status", "Open"}, {"assignee_id", "0"},
                              {"group_id", "0"}, {"organization_id", "0"}}},
                  {"current_user_id", "0"}};
  TicketEvent t = expect_event(trigger.dump());
  CHECK_FALSE(t.ticket.assignee_id.has_value());
  CHECK_FALSE(t.ticket.group_id.has_value());
  CHECK_FALSE(t.ticket.organization_id.has_value());
  CHECK_FALSE(t.actor_id.has_value());
}

TEST_CASE("non-ASCII subject and description are kept byte-exact", "[webhook_payload]") {
  const std::string subject =
      "Facture erron\xC3\xA9"
      "e \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
  json d = detail_48213();
  d["subject"] = subject;
  d["description"] = subject;
  TicketEvent e = expect_event(envelope("subject_changed", d).dump());
  CHECK(e.kind == EventKind::kOtherChange);
  CHECK(e.ticket.subject == subject);
  CHECK(e.ticket.description == subject);
}

TEST_CASE("a long description is cut to 4 KiB on a UTF-8 boundary", "[webhook_payload]") {
  // 4095 ASCII bytes then a 3-byte character straddling the 4096 limit.
  std::string text(4095, 'a');
  text += "\xE2\x82\xAC";
  text += std::string(100, 'b');
  json d = detail_48213();
  d["description"] = text;
  TicketEvent e = expect_event(envelope("created", d).dump());
  CHECK(e.ticket.description == std::string(4095, 'a'));
  CHECK(truncate_utf8("ab\xC3\xA9", 3) == "ab");
  CHECK(truncate_utf8("ab\xC3\xA9", 4) == "ab\xC3\xA9");
}

TEST_CASE("the ticket id comes from the subject when the detail has none", "[webhook_payload]") {
  json body = envelope("soft_deleted", json::object());
  TicketEvent e = expect_event(body.dump());
  CHECK(e.ticket_id == 48213);
  CHECK(e.kind == EventKind::kDeleted);
}

TEST_CASE("every documented ticket event type maps to its kind", "[webhook_payload]") {
  const std::pair<const char*, EventKind> cases[] = {
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
  };
  for (const auto& [type, kind] : cases) {
    INFO(type);
    CHECK(expect_event(envelope(type, detail_48213()).dump()).kind == kind);
  }
}

TEST_CASE("type changes keep previous and current as text", "[webhook_payload]") {
  TicketEvent e = expect_event(
      envelope("type_changed", detail_48213(), {{"previous", "QUESTION"}, {"current", "INCIDENT"}})
          .dump());
  CHECK(e.previous == "QUESTION");
  CHECK(e.current == "INCIDENT");
}

TEST_CASE("followers_changed takes ids and objects with ids", "[webhook_payload]") {
  json change = {{"users_added", {"500120", 500121, {{"id", "500122"}, {"name", "x"}}}},
                 {"users_removed", {{{"id", 500123}}}}};
  TicketEvent e = expect_event(envelope("followers_changed", detail_48213(), change).dump());
  CHECK(e.users_added == std::vector<UserId>{500120, 500121, 500122});
  CHECK(e.users_removed == std::vector<UserId>{500123});
}

TEST_CASE("custom_field_changed carries the field id and new value", "[webhook_payload]") {
  json change = {{"current", {{"value", "route_billing"}}},
                 {"previous", {{"value", nullptr}}},
                 {"custom_field", {{"id", "360011"}, {"title", "Route"}, {"type", "tagger"}}}};
  TicketEvent e = expect_event(envelope("custom_field_changed", detail_48213(), change).dump());
  REQUIRE(e.custom_field.has_value());
  CHECK(e.custom_field->id == 360011);
  CHECK(e.custom_field->value == "route_billing");
  CHECK(e.current == "route_billing");
  CHECK_FALSE(e.previous.has_value());
}

TEST_CASE("merged carries the target ticket", "[webhook_payload]") {
  TicketEvent e =
      expect_event(envelope("merged", detail_48213(), {{"target_ticket_id", "48999"}}).dump());
  CHECK(e.kind == EventKind::kMerged);
  CHECK(e.merge_target == 48999);
}

TEST_CASE("an unknown ticket event type is ignored", "[webhook_payload]") {
  expect_ignored(envelope("teleported", detail_48213()).dump());
}

TEST_CASE("user and organization events are ignored", "[webhook_payload]") {
  expect_ignored(
      R"({"type":"zen:event-type:user.created","id":"u1","detail":{"id":"6596848315901"}})");
  // The documented user payload, with its "0" for an empty id.
  expect_ignored(R"({"type":"zen:event-type:user.default_group_changed","id":"u2",
    "subject":"zen:user:6596848315901","detail":{"id":"6596848315901","organization_id":"0",
    "default_group_id":"0","role":"END_USER"},"event":{"current":"0","previous":"360000"}})");
  expect_ignored(R"({"type":"zen:event-type:organization.created","id":"o1"})");
  expect_ignored(R"({"hello":"world"})");
  expect_ignored(R"({"type":42})");
}

TEST_CASE("malformed JSON, non-object bodies and missing ticket ids are errors",
          "[webhook_payload]") {
  expect_invalid("");
  expect_invalid("{");
  expect_invalid(R"({"type": "zen:event-type:ticket.created", )");
  expect_invalid("[1,2,3]");
  expect_invalid("\"just a string\"");
  expect_invalid("42");
  expect_invalid("null");
  json no_id = envelope("created", json::object());
  no_id.erase("subject");
  expect_invalid(no_id.dump());
  json bad_subject = envelope("created", {{"id", ""}});
  bad_subject["subject"] = "zen:ticket:abc";
  expect_invalid(bad_subject.dump());
  expect_invalid(R"({"source":"zendesk_trigger","ticket":{"id":"{{ticket.id}}"}})");
  expect_invalid(R"({"source":"zendesk_trigger"})");
}

TEST_CASE("hostile nesting and huge numbers do not break the mapping", "[webhook_payload]") {
  // Deep nesting is refused before parsing, so it cannot exhaust the stack.
  std::string deep_value = std::string(5000, '[') + std::string(5000, ']');
  std::string body = envelope("custom_field_changed", detail_48213(), {{"current", 1}}).dump();
  body.replace(body.find("\"current\":1"), 11, "\"current\":" + deep_value);
  expect_invalid(body);
  expect_invalid(std::string(100000, '{'));
  // Brackets inside strings do not count.
  json text_change = {{"current", std::string(5000, '[')}};
  TicketEvent e = expect_event(envelope("custom_field_changed", detail_48213(), text_change).dump());
  CHECK(e.current == std::string(5000, '['));
  json d = detail_48213();
  d["group_id"] = 1e300;
  d["assignee_id"] = "99999999999999999999999";
  TicketEvent f = expect_event(envelope("created", d).dump());
  CHECK_FALSE(f.ticket.group_id.has_value());
  CHECK_FALSE(f.ticket.assignee_id.has_value());
}
