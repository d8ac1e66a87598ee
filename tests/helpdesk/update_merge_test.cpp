#include <catch2/catch.hpp>

#include "helpdesk/update_merge.h"

using namespace tierd;

namespace {

TicketWrite write(const std::string& key) {
  TicketWrite w;
  w.kind = "test";
  w.idempotency_key = key;
  w.ticket_id = 42;
  w.base_tags = {"billing", "tierd_tier1"};
  w.base_updated_at = from_unix_ms(1'000'000);
  return w;
}

}  // namespace

TEST_CASE("a ticket's writes merge into one stamped update", "[merge]") {
  auto risk = write("42-1");
  risk.add_tags = {"tierd_at_risk"};
  auto esc = write("42-2");
  esc.set_group = 102;
  esc.clear_assignee = true;
  esc.add_followers = {500120};
  esc.add_tags = {"tierd_tier2", "tierd_escalated"};
  esc.remove_tags = {"tierd_tier1", "tierd_at_risk"};
  esc.note = "Escalated. [tierd ref 42-2]";
  auto u = merge_writes({risk, esc});
  REQUIRE(u.ok());
  CHECK(u->ticket_id == 42);
  CHECK(u->group_id == 102);
  CHECK(u->set_assignee);
  CHECK_FALSE(u->assignee_id);
  CHECK(u->add_followers == std::vector<UserId>{500120});
  REQUIRE(u->tags);
  CHECK(*u->tags == std::vector<std::string>{"billing", "tierd_escalated", "tierd_tier2"});
  CHECK(u->internal_note == "Escalated. [tierd ref 42-2]");
  CHECK(u->updated_stamp == from_unix_ms(1'000'000));
}

TEST_CASE("notes of merged writes are all kept, with their markers", "[merge]") {
  auto a = write("42-1");
  a.note = "first [tierd ref 42-1]";
  auto b = write("42-2");
  b.note = "second [tierd ref 42-2]";
  auto u = merge_writes({a, b});
  REQUIRE(u.ok());
  CHECK(*u->internal_note == "first [tierd ref 42-1]\n\nsecond [tierd ref 42-2]");
  CHECK_FALSE(u->tags);  // no tag change: the tag list is not sent
}

TEST_CASE("writes of different tickets or none at all are refused", "[merge]") {
  auto a = write("42-1");
  auto b = write("43-1");
  b.ticket_id = 43;
  CHECK_FALSE(merge_writes({a, b}).ok());
  CHECK_FALSE(merge_writes({}).ok());
}

TEST_CASE("custom fields to clear are the union of the writes' lists", "[merge]") {
  auto forward = write("42-1");
  forward.clear_custom_fields = {360001};
  auto again = write("42-2");
  again.clear_custom_fields = {360002, 360001};
  auto u = merge_writes({forward, again});
  REQUIRE(u.ok());
  CHECK(u->clear_custom_fields == std::vector<int64_t>{360001, 360002});
  auto none = merge_writes({write("42-3")});
  REQUIRE(none.ok());
  CHECK(none->clear_custom_fields.empty());
}
