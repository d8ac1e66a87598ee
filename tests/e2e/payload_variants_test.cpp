// End to end with the payload spellings Zendesk documents besides the
// simulator's default: enums in title case, and an empty id written as "0"
// (as its user-event payloads do). tierd must read "0" as nobody: an
// unassigned ticket escalates without a follower 0 (a 422 and a dead letter
// if it were sent), and an unassignment to "0" clears the assignee.
#include <catch2/catch.hpp>

#include <thread>

#include "support/live_stack.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("with empty ids written as \"0\", nobody is taken for user 0",
          "[integration][variants]") {
  LiveStackOptions options;
  options.sim_args = {"--empty-id", "zero", "--status-case", "title"};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  // Never assigned: the webhooks say "assignee_id": "0".
  const int64_t unassigned = stack.create_ticket(
      {{"subject", "Kein Drucker — ünïcode"}, {"group_id", 114001}, {"status", "new"}});
  // Assigned, then unassigned by an agent: the change says current "0".
  const int64_t released = stack.create_ticket(
      {{"subject", "Printer on fire"}, {"group_id", 114001}, {"assignee_id", 500120}});
  stack.agent_update(released, {{"assignee_id", nullptr}});

  REQUIRE(LiveStack::eventually(
      [&] { return stack.group_of(unassigned) == 114002 && stack.group_of(released) == 114002; },
      15s));
  for (int64_t id : {unassigned, released}) {
    INFO("ticket " << id);
    const json t = stack.ticket(id);
    CHECK(t.at("follower_ids").empty());
    CHECK(t.at("assignee_id").is_null());
    REQUIRE(stack.tierd_notes(id).size() == 1);
    CHECK(stack.tierd_notes(id)[0].find("Escalated from tier1 to tier2") != std::string::npos);
  }
  INFO(stack.tierd_log());
  CHECK(stack.tierd_log().find("dead_letter") == std::string::npos);
}
