// merge_snapshot(): a newer report of a ticket folded into what was known.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/ticket_event.h"

using namespace tierd;
using nlohmann::json;

namespace {

TicketSnapshot snapshot(const json& j) {
  auto t = ticket_snapshot_from_json(j);
  REQUIRE(t.ok());
  return *t;
}

// Every field set, as an API read gives the ticket.
TicketSnapshot known() {
  return snapshot({{"id", 42},
                   {"status", "open"},
                   {"priority", "high"},
                   {"group_id", 101},
                   {"assignee_id", 500},
                   {"tags", {"billing", "tierd_tier1"}},
                   {"created_at", 1'000'000},
                   {"updated_at", 2'000'000},
                   {"requester_id", 7001},
                   {"organization_id", 77},
                   {"form_id", 3},
                   {"brand_id", 4},
                   {"channel", "email"},
                   {"subject", "Refund"},
                   {"description", "Please refund order 1234."},
                   {"custom_fields", {{{"id", 360001}, {"value", "tier2"}}}}});
}

}  // namespace

TEST_CASE("a merged report replaces every field it carries", "[snapshot]") {
  TicketSnapshot report = snapshot({{"id", 42},
                                    {"status", "pending"},
                                    {"priority", "urgent"},
                                    {"group_id", 102},
                                    {"assignee_id", 600},
                                    {"tags", {"vip"}},
                                    {"created_at", 1'500'000},
                                    {"updated_at", 3'000'000},
                                    {"requester_id", 7002},
                                    {"organization_id", 78},
                                    {"form_id", 5},
                                    {"brand_id", 6},
                                    {"channel", "web_form"},
                                    {"subject", "Refund, again"},
                                    {"description", "Still waiting."},
                                    {"custom_fields", {{{"id", 360002}, {"value", "de"}}}}});
  TicketSnapshot t = known();
  merge_snapshot(t, report);
  CHECK(t == report);
}

TEST_CASE("a merged report keeps what it does not carry", "[snapshot]") {
  // A trigger body: the stamp, group and assignee, no status or tag list.
  TicketSnapshot report =
      snapshot({{"id", 42}, {"group_id", 101}, {"assignee_id", 500}, {"updated_at", 3'000'000}});
  REQUIRE(report.status == TicketStatus::kUnknown);
  REQUIRE_FALSE(report.tags_known);
  TicketSnapshot t = known();
  merge_snapshot(t, report);
  TicketSnapshot expected = known();
  expected.updated_at = from_unix_ms(3'000'000);
  CHECK(t == expected);
}

TEST_CASE("a merged report without group or assignee leaves the ticket in none, unassigned",
          "[snapshot]") {
  TicketSnapshot report = known();
  report.group_id.reset();
  report.assignee_id.reset();
  TicketSnapshot t = known();
  merge_snapshot(t, report);
  CHECK_FALSE(t.group_id);
  CHECK_FALSE(t.assignee_id);
}

TEST_CASE("a merged report's tag list replaces the whole list, even when empty", "[snapshot]") {
  TicketSnapshot report = known();
  report.tags = {};
  TicketSnapshot t = known();
  merge_snapshot(t, report);
  CHECK(t.tags.empty());
  CHECK(t.tags_known);

  TicketSnapshot unknown = snapshot({{"id", 42}});
  REQUIRE_FALSE(unknown.tags_known);
  merge_snapshot(unknown, known());
  CHECK(unknown.tags == known().tags);
  CHECK(unknown.tags_known);
}
