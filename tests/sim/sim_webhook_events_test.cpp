#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "sim/zendesk/webhook_events.h"
#include "support/fixtures.h"

using nlohmann::json;
using namespace tierd;
using namespace tierd::sim;

namespace {

SimState account_with_ticket() {
  SimState s;
  s.users[500777] = {500777, "Sam Reviewer", "sam@example.com", "agent", true, {}, std::nullopt};
  SimTicket t;
  t.id = 48213;
  t.subject = "Wrong VAT on March invoice";
  t.description = "My invoice for March shows the wrong VAT rate.";
  t.status = "open";
  t.priority = "normal";
  t.type = "question";
  t.group_id = 114002;
  t.requester_id = 902001;
  t.submitter_id = 902001;
  t.organization_id = 770010;
  t.brand_id = 360001;
  t.ticket_form_id = 360002;
  t.tags = {"billing", "tier1"};
  t.channel = "web_form";
  t.created_at = *parse_instant("2025-03-10T09:00:04Z");
  t.updated_at = *parse_instant("2025-03-10T09:15:07Z");
  t.comments.push_back(
      {31000000123, "Reviewed.", "<p>Reviewed.</p>", false, 500777, 1, "web", t.updated_at});
  s.tickets[t.id] = t;
  return s;
}

}  // namespace

TEST_CASE("the detail snapshot has the fixture's fields with ids as strings", "[sim_webhook]") {
  SimState s = account_with_ticket();
  json detail = webhook_detail(s.tickets.at(48213), 500777, EnumCase::kUpper);
  json expected = testing::fixture_json("zendesk/ticket_status_changed.json")["detail"];
  for (const auto& [key, value] : expected.items()) {
    INFO(key);
    CHECK(detail.contains(key));
  }
  CHECK(detail["id"] == "48213");
  CHECK(detail["group_id"] == "114002");
  CHECK(detail["assignee_id"].is_null());
  CHECK(detail["actor_id"] == "500777");
  CHECK(detail["status"] == "OPEN");
  CHECK(detail["priority"] == "NORMAL");
  CHECK(detail["type"] == "QUESTION");
  CHECK(detail["custom_status"] == "18000002");
  CHECK(detail["updated_at"] == "2025-03-10T09:15:07Z");
  CHECK(detail["via"]["channel"] == "web_form");
}

TEST_CASE("one write gives one event per aspect sharing a sequence id", "[sim_webhook]") {
  SimState s = account_with_ticket();
  TicketChanges c;
  c.group = ScalarChange{114001, 114002};
  c.tags_added = {"escalated_tier2"};
  c.comment_id = 31000000123;
  std::mt19937_64 rng(7);
  EventContext ctx{12514403, EnumCase::kUpper, s.tickets.at(48213).updated_at};
  auto events = build_ticket_events(s, s.tickets.at(48213), c, -1, ctx, rng);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["type"] == "zen:event-type:ticket.group_assignment_changed");
  CHECK(events[0]["event"]["current"] == "114002");
  CHECK(events[0]["event"]["previous"] == "114001");
  CHECK(events[1]["type"] == "zen:event-type:ticket.tags_changed");
  CHECK(events[1]["event"]["tags_added"] == json({"escalated_tier2"}));
  CHECK(events[2]["type"] == "zen:event-type:ticket.comment_added");
  CHECK(events[2]["event"]["comment"]["id"] == "31000000123");
  CHECK(events[2]["event"]["comment"]["author"]["name"] == "Sam Reviewer");
  CHECK(events[2]["event"]["comment"]["author"]["is_staff"] == true);
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i]["event"]["meta"]["sequence"]["id"] ==
          events[0]["event"]["meta"]["sequence"]["id"]);
    CHECK(events[i]["event"]["meta"]["sequence"]["position"] == static_cast<int>(i) + 1);
    CHECK(events[i]["detail"]["actor_id"] == "-1");
    CHECK(events[i]["time"] == "2025-03-10T09:15:07Z");
    CHECK(events[i]["subject"] == "zen:ticket:48213");
  }
  CHECK(events[0]["id"] != events[1]["id"]);
  CHECK(events[0]["event"]["meta"]["sequence"]["id"].get<std::string>().size() == 32);
}

TEST_CASE("a created ticket gives a single ticket.created event", "[sim_webhook]") {
  SimState s = account_with_ticket();
  TicketChanges c;
  c.created = true;
  c.comment_id = 31000000123;
  std::mt19937_64 rng(1);
  auto events = build_ticket_events(s, s.tickets.at(48213), c, 902001,
                                    {1, EnumCase::kLower, s.tickets.at(48213).created_at}, rng);
  REQUIRE(events.size() == 1);
  CHECK(events[0]["type"] == "zen:event-type:ticket.created");
  CHECK(events[0]["detail"]["status"] == "open");
}

TEST_CASE("enum values follow the chosen case", "[sim_webhook]") {
  CHECK(apply_case("pending", EnumCase::kUpper) == "PENDING");
  CHECK(apply_case("pending", EnumCase::kTitle) == "Pending");
  CHECK(apply_case("pending", EnumCase::kLower) == "pending");
  CHECK(parse_enum_case("title") == EnumCase::kTitle);
  CHECK_FALSE(parse_enum_case("camel").has_value());
}
