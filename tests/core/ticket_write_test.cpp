// ticket_after_write(): what a ticket looks like once one of tierd's writes
// has landed on it.
#include <catch2/catch.hpp>

#include "core/ticket_write.h"

using namespace tierd;

namespace {

TicketSnapshot ticket() {
  TicketSnapshot t;
  t.group_id = 101;
  t.assignee_id = 500;
  t.tags = {"billing", "tierd_at_risk", "tierd_tier1"};
  t.tags_known = true;
  t.updated_at = from_unix_ms(1'000'000);
  t.subject = "Refund";
  t.custom_fields = {{360001, "tier2"}, {360002, "de"}};
  return t;
}

TicketWrite write() {
  TicketWrite w;
  w.kind = "test";
  w.idempotency_key = "42-1";
  w.ticket_id = 42;
  return w;
}

}  // namespace

TEST_CASE("a landed write moves the ticket to its group and assignee", "[ticket_write]") {
  TicketWrite w = write();
  w.set_group = 102;
  w.set_assignee = 600;
  TicketSnapshot t = ticket_after_write(ticket(), w);
  CHECK(t.group_id == 102);
  CHECK(t.assignee_id == 600);
}

TEST_CASE("a landed write that clears the assignee leaves the ticket unassigned",
          "[ticket_write]") {
  TicketWrite w = write();
  w.clear_assignee = true;
  CHECK_FALSE(ticket_after_write(ticket(), w).assignee_id);
  w.set_assignee = 700;  // clearing comes first, so a set assignee wins
  CHECK(ticket_after_write(ticket(), w).assignee_id == 700);
}

TEST_CASE("a landed write adds its tags, then takes its removals away, normalised",
          "[ticket_write]") {
  TicketWrite w = write();
  w.add_tags = {"tierd_tier2", "TIERD_Escalated", "tierd_tier2", "vip"};
  w.remove_tags = {"tierd_tier1", "tierd_at_risk", "vip"};
  TicketSnapshot t = ticket_after_write(ticket(), w);
  CHECK(t.tags == std::vector<std::string>{"billing", "tierd_escalated", "tierd_tier2"});
}

TEST_CASE("a landed write empties the custom fields it clears and keeps the others",
          "[ticket_write]") {
  TicketWrite w = write();
  w.clear_custom_fields = {360001, 360999};
  TicketSnapshot t = ticket_after_write(ticket(), w);
  CHECK(t.custom_fields == std::vector<CustomFieldValue>{{360002, "de"}});
}

TEST_CASE("a landed write leaves what it does not set as it was", "[ticket_write]") {
  TicketWrite w = write();
  w.add_followers = {500};
  w.note = "A note. [tierd ref 42-1]";
  CHECK(ticket_after_write(ticket(), w) == ticket());

  // A write names only the tags it changes, so it does not make an unknown
  // tag list known; the stamp is the helpdesk's to set.
  TicketSnapshot unknown = ticket();
  unknown.tags = {};
  unknown.tags_known = false;
  w.add_tags = {"tierd_at_risk"};
  TicketSnapshot t = ticket_after_write(unknown, w);
  CHECK(t.tags == std::vector<std::string>{"tierd_at_risk"});
  CHECK_FALSE(t.tags_known);
  CHECK(t.updated_at == from_unix_ms(1'000'000));
}
