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
  // What the ticket had or a write took away, and the update leaves out.
  CHECK(u->tags_removed == std::vector<std::string>{"tierd_at_risk", "tierd_tier1"});
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

TEST_CASE("a merged update carries the ticket as it is once every write has landed in order",
          "[merge]") {
  auto review = write("42-1");
  review.set_assignee = 500130;
  review.add_tags = {"tierd_review"};
  auto forward = write("42-2");
  forward.set_group = 114003;
  forward.clear_assignee = true;
  forward.add_tags = {"tierd_tier2"};
  forward.remove_tags = {"tierd_review", "tierd_tier1"};
  auto risk = write("42-3");
  risk.add_tags = {"tierd_at_risk"};
  auto u = merge_writes({review, forward, risk});
  REQUIRE(u.ok());

  TicketSnapshot landed;
  landed.tags = review.base_tags;
  for (const auto& w : {review, forward, risk}) landed = ticket_after_write(landed, w);
  CHECK(u->group_id == landed.group_id);
  CHECK(u->group_id == 114003);
  CHECK(u->set_assignee);
  CHECK(u->assignee_id == landed.assignee_id);
  CHECK_FALSE(u->assignee_id);  // the forward's clearing comes after the review's reviewer
  REQUIRE(u->tags);
  CHECK(*u->tags == landed.tags);
  CHECK(*u->tags == std::vector<std::string>{"billing", "tierd_at_risk", "tierd_tier2"});
}
