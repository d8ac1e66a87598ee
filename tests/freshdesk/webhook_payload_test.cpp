#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <iterator>

#include "freshdesk/webhook_payload.h"
#include "helpdesk/text_codec.h"
#include "support/fixtures.h"

using namespace tierd;
using namespace tierd::freshdesk;
using nlohmann::json;

namespace {

const Instant kReceived = *parse_instant("2026-11-27T09:40:12Z");

TicketEvent expect_event(std::string_view body) {
  auto parsed = parse_webhook_delivery(body, kReceived);
  INFO(parsed.status().to_string());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->outcome == DeliveryOutcome::kTicketEvent);
  REQUIRE(parsed->event.has_value());
  CHECK(parsed->type == parsed->event->type);
  return *parsed->event;
}

// The InvalidArgument message of a refused body.
std::string refusal(std::string_view body) {
  auto parsed = parse_webhook_delivery(body, kReceived);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  return parsed.status().message();
}

json fixture(const std::string& name) {
  return json::parse(testing::read_fixture("freshdesk/" + name));
}

// A rendered body: the status-change fixture with `edit` applied.
std::string body_with(const std::function<void(json&)>& edit) {
  json doc = fixture("rule_status_changed.json");
  edit(doc);
  return doc.dump();
}

}  // namespace

TEST_CASE("maps a rendered status change with ids and tags as text", "[freshdesk_payload]") {
  const std::string body = testing::read_fixture("freshdesk/rule_status_changed.json");
  TicketEvent e = expect_event(body);
  CHECK(e.kind == EventKind::kSnapshot);
  CHECK(e.source == "freshdesk.rule");
  CHECK(e.type == "freshdesk_rule:status");
  CHECK(e.ticket_id == 82000163682);
  CHECK(e.time == *parse_instant("2026-11-27T09:40:11Z"));
  CHECK(e.previous == "2");
  CHECK(e.current == "3");
  CHECK_FALSE(e.actor_id.has_value());
  REQUIRE(e.has_snapshot);
  const TicketSnapshot& t = e.ticket;
  CHECK(t.id == 82000163682);
  CHECK(t.status == TicketStatus::kPending);
  CHECK(t.priority == Priority::kNormal);
  CHECK(t.group_id == 43000190413);
  CHECK(t.assignee_id == 43007075231);
  CHECK(t.tags_known);
  CHECK(t.tags == std::vector<std::string>{"café crème", "tier1", "vip"});
  CHECK(t.channel == "email");
  CHECK(t.updated_at == *parse_instant("2026-11-27T09:40:11Z"));
  // Placeholders tierd does not ask for are not read, even when present.
  CHECK(t.subject.empty());
}

TEST_CASE("maps {ticket_action:created} to a created event with numbers as ids",
          "[freshdesk_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("freshdesk/rule_ticket_created.json"));
  CHECK(e.kind == EventKind::kCreated);
  CHECK(e.type == "freshdesk_rule:ticket_action");
  CHECK_FALSE(e.previous.has_value());
  CHECK(e.current == "created");
  const TicketSnapshot& t = e.ticket;
  CHECK(t.status == TicketStatus::kOpen);
  CHECK(t.priority == Priority::kUrgent);
  CHECK(t.group_id == 43000190413);
  CHECK_FALSE(t.assignee_id.has_value());
  CHECK(t.tags == std::vector<std::string>{"tier1", "vip"});
  CHECK(t.channel == "feedback_widget");
  CHECK(t.created_at == *parse_instant("2026-11-27T08:15:02Z"));
}

TEST_CASE("reads status, priority and source given as Freshdesk's codes", "[freshdesk_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("freshdesk/rule_group_changed_codes.json"));
  CHECK(e.type == "freshdesk_rule:group_id");
  CHECK(e.previous == "43000190413");
  CHECK(e.current == "43000190414");
  const TicketSnapshot& t = e.ticket;
  CHECK(t.status == TicketStatus::kOpen);
  CHECK(t.priority == Priority::kHigh);
  CHECK(t.group_id == 43000190414);
  CHECK_FALSE(t.assignee_id.has_value());
  CHECK(t.tags_known);
  CHECK(t.tags.empty());
  CHECK(t.channel == "portal");
  // The offset is applied: 15:10:30+05:30 is 09:40:30 UTC.
  CHECK(t.updated_at == *parse_instant("2026-11-27T09:40:30Z"));
}

TEST_CASE("every status and priority code and name maps, in any case", "[freshdesk_payload]") {
  CHECK(status_from_code(2) == TicketStatus::kOpen);
  CHECK(status_from_code(3) == TicketStatus::kPending);
  CHECK(status_from_code(4) == TicketStatus::kSolved);
  CHECK(status_from_code(5) == TicketStatus::kClosed);
  CHECK(status_from_code(6) == TicketStatus::kUnknown);
  CHECK(status_from_code(1) == TicketStatus::kUnknown);
  CHECK(status_from_text("oPeN") == TicketStatus::kOpen);
  CHECK(status_from_text(" PENDING ") == TicketStatus::kPending);
  CHECK(status_from_text("Resolved") == TicketStatus::kSolved);
  CHECK(status_from_text("closed") == TicketStatus::kClosed);
  CHECK(status_from_text("Waiting on Customer") == TicketStatus::kUnknown);
  CHECK(priority_from_code(1) == Priority::kLow);
  CHECK(priority_from_code(2) == Priority::kNormal);
  CHECK(priority_from_code(3) == Priority::kHigh);
  CHECK(priority_from_code(4) == Priority::kUrgent);
  CHECK_FALSE(priority_from_code(5).has_value());
  CHECK(priority_from_text("LOW") == Priority::kLow);
  CHECK(priority_from_text("medium") == Priority::kNormal);
  CHECK(priority_from_text("High") == Priority::kHigh);
  CHECK(priority_from_text("uRGENT") == Priority::kUrgent);
  CHECK_FALSE(priority_from_text("normal").has_value());
  CHECK(channel_from_code(1) == "email");
  CHECK(channel_from_code(10) == "outbound_email");
  CHECK(channel_from_code(99).empty());
  CHECK(channel_from_text("Outbound Email") == "outbound_email");
}

TEST_CASE("a custom status leaves the status unknown and the rest mapped", "[freshdesk_payload]") {
  TicketEvent e = expect_event(testing::read_fixture("freshdesk/rule_custom_status.json"));
  CHECK(e.ticket.status == TicketStatus::kUnknown);
  CHECK(e.current == "6");
  CHECK(e.ticket.priority == Priority::kLow);
  CHECK(e.ticket.tags == std::vector<std::string>{"tier2"});
  CHECK(expect_event(body_with([](json& d) { d["ticket"]["status"] = 7; })).ticket.status ==
        TicketStatus::kUnknown);
}

TEST_CASE("an unknown priority name or an empty one is not carried", "[freshdesk_payload]") {
  CHECK_FALSE(expect_event(body_with([](json& d) {
                d["ticket"]["priority"] = "";
              })).ticket.priority.has_value());
  CHECK_FALSE(expect_event(body_with([](json& d) {
                d["ticket"]["priority"] = "Dringend";
              })).ticket.priority.has_value());
}

TEST_CASE("the event id is ticket, updated_at and a digest of rule and event",
          "[freshdesk_payload]") {
  const std::string body = testing::read_fixture("freshdesk/rule_status_changed.json");
  TicketEvent e = expect_event(body);
  CHECK(e.event_id ==
        "freshdesk:82000163682:2026-11-27T09:40:11Z:" +
            sha256_hex_prefix("tierd: ticket updates — état\n{status:{from:2,to:3}}", 16));
  // A redelivery is the same event, however its bytes are laid out.
  CHECK(expect_event(json::parse(body).dump()).event_id == e.event_id);
  // Another rule, another change, or another moment is another event.
  CHECK(expect_event(body_with([](json& d) { d["rule"] = "tierd: second rule"; })).event_id !=
        e.event_id);
  CHECK(expect_event(body_with([](json& d) {
          d["event"] = "{priority:{from:1,to:2}}";
        })).event_id != e.event_id);
  CHECK(expect_event(body_with([](json& d) {
          d["ticket"]["updated_at"] = "2026-11-27T09:40:12Z";
        })).event_id != e.event_id);
  // The same instant written with an offset is the same moment.
  CHECK(expect_event(body_with([](json& d) {
          d["ticket"]["updated_at"] = "2026-11-27T10:40:11+01:00";
        })).event_id == e.event_id);
}

TEST_CASE("without a usable updated_at the event id digests the whole body",
          "[freshdesk_payload]") {
  const std::string body = testing::read_fixture("freshdesk/rule_without_updated_at.json");
  TicketEvent e = expect_event(body);
  CHECK(e.event_id == "freshdesk:82000163682:body:" + sha256_hex_prefix(body, 16));
  CHECK(e.time == kReceived);
  CHECK_FALSE(e.ticket.updated_at.has_value());
  CHECK(e.ticket.assignee_id == 43007075232);
  std::string unparsable = body_with([](json& d) { d["ticket"]["updated_at"] = "Friday"; });
  CHECK(expect_event(unparsable).event_id ==
        "freshdesk:82000163682:body:" + sha256_hex_prefix(unparsable, 16));
}

TEST_CASE("reads {{triggered_event}} text tolerantly", "[freshdesk_payload]") {
  auto status = parse_triggered_event("{status:{from:4,to:6}}");
  CHECK(status.field == "status");
  CHECK(status.from == "4");
  CHECK(status.to == "6");
  CHECK_FALSE(status.value.has_value());
  auto spaced = parse_triggered_event(" { responder_id : { from : 150006383528 , to : 15 } } ");
  CHECK(spaced.field == "responder_id");
  CHECK(spaced.from == "150006383528");
  CHECK(spaced.to == "15");
  auto note = parse_triggered_event("{note_type:private}");
  CHECK(note.field == "note_type");
  CHECK(note.value == "private");
  CHECK(parse_triggered_event("").field.empty());
  CHECK(parse_triggered_event("{}").field.empty());
  CHECK(parse_triggered_event("garbage").field.empty());
  CHECK(expect_event(body_with([](json& d) { d["event"] = "?"; })).type == "freshdesk_rule");
  CHECK(expect_event(body_with([](json& d) { d.erase("event"); })).type == "freshdesk_rule");
}

TEST_CASE("ignores members it does not know and bodies that are not tierd's",
          "[freshdesk_payload]") {
  auto other =
      parse_webhook_delivery(testing::read_fixture("freshdesk/other_rule_body.json"), kReceived);
  REQUIRE(other.ok());
  CHECK(other->outcome == DeliveryOutcome::kIgnored);
  CHECK_FALSE(other->event.has_value());
  CHECK_FALSE(other->reason.empty());
  auto foreign =
      parse_webhook_delivery(R"({"source":"zendesk_trigger","ticket":{"id":1}})", kReceived);
  REQUIRE(foreign.ok());
  CHECK(foreign->outcome == DeliveryOutcome::kIgnored);
  CHECK(foreign->type == "zendesk_trigger");
}

TEST_CASE("refuses a body whose ticket or ids cannot be read, naming the member",
          "[freshdesk_payload]") {
  CHECK(refusal("not json") == "body is not valid JSON");
  CHECK(refusal("[1]") == "body is not a JSON object");
  CHECK(refusal(std::string(100, '[') + std::string(100, ']')).find("nests deeper") !=
        std::string::npos);
  // The template as pasted, before Freshdesk rendered it.
  CHECK(refusal(testing::read_fixture("freshdesk/rule_body_template.json")) ==
        "ticket.id: expected a positive ticket id");
  CHECK(refusal(body_with([](json& d) { d.erase("ticket"); })) == "ticket: expected an object");
  CHECK(refusal(body_with([](json& d) { d["ticket"]["id"] = "0"; })) ==
        "ticket.id: expected a positive ticket id");
  CHECK(refusal(body_with([](json& d) { d["ticket"]["id"] = -5; })) ==
        "ticket.id: expected a positive ticket id");
  CHECK(refusal(body_with([](json& d) { d["ticket"].erase("group_id"); })) ==
        "ticket.group_id: required (an empty string when there is none)");
  CHECK(refusal(body_with([](json& d) { d["ticket"]["group_id"] = "Tier 1"; })) ==
        "ticket.group_id: expected an id or \"\" for none");
  CHECK(refusal(body_with([](json& d) { d["ticket"].erase("responder_id"); })) ==
        "ticket.responder_id: required (an empty string when there is none)");
  CHECK(refusal(body_with([](json& d) { d["ticket"]["responder_id"] = "{{ticket.agent.id}}"; })) ==
        "ticket.responder_id: expected an id or \"\" for none");
  CHECK(refusal(body_with([](json& d) { d["ticket"]["status"] = json::object(); })) ==
        "ticket.status: expected a status name or code");
  CHECK(refusal(body_with([](json& d) { d["ticket"]["tags"] = 5; })) ==
        "ticket.tags: expected a comma-separated string or an array");
  CHECK(refusal(body_with([](json& d) { d["event"] = json::object(); })) ==
        "event: expected the {{triggered_event}} text as a string");
  CHECK(refusal(body_with([](json& d) { d["rule"] = 3; })) ==
        "rule: expected the rule's name as a string");
}

TEST_CASE("an id of 0 or null means none", "[freshdesk_payload]") {
  TicketEvent e = expect_event(body_with([](json& d) {
    d["ticket"]["group_id"] = 0;
    d["ticket"]["responder_id"] = nullptr;
  }));
  CHECK_FALSE(e.ticket.group_id.has_value());
  CHECK_FALSE(e.ticket.assignee_id.has_value());
}

TEST_CASE("the README shows admins exactly the body the parser expects", "[freshdesk_payload]") {
  std::ifstream in(std::string(TIERD_SOURCE_DIR) + "/README.md", std::ios::binary);
  REQUIRE(in.good());
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string start = "```json\n{\n  \"source\": \"freshdesk_rule\"";
  const size_t at = readme.find(start);
  REQUIRE(at != std::string::npos);
  const size_t body = at + std::string("```json\n").size();
  const size_t end = readme.find("```", body);
  REQUIRE(end != std::string::npos);
  CHECK(json::parse(readme.substr(body, end - body)) == fixture("rule_body_template.json"));
}
