// The facts decide() records for reports: what caused each escalation, and
// moves of a ticket's group that tierd did not make.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/decide_fixtures.h"

using namespace tierd;
using namespace tierd::test;
using nlohmann::json;

namespace {

// The detail of the decision's first audit note of `kind`; null when none.
json note(const Decision& d, const std::string& kind) {
  for (const auto& n : d.audit) {
    if (n.kind == kind) return n.detail;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("an escalation records its cause: the timer or the agent's tag", "[decide][audit]") {
  Driver timer;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  timer.on(event(EventKind::kCreated, t, kT0), kT0);
  timer.tick(kT0 + 12min);
  CHECK(note(timer.tick(kT0 + 15min), "escalate").value("cause", "") == "timer");

  Driver tag;
  tag.on(event(EventKind::kCreated, t, kT0), kT0);
  t.tags = {"tierd_escalate"};
  CHECK(note(tag.on(event(EventKind::kTagsChanged, t, kT0 + 2min), kT0 + 2min), "escalate")
            .value("cause", "") == "manual_tag");
}

TEST_CASE("a group change by an agent is recorded - tierd's own move and its echo are not",
          "[decide][audit]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.group_id = 102;
  json moved = note(d.on(event(EventKind::kGroupChanged, t, kT0 + 10min, 500121), kT0 + 10min),
                    "group_moved");
  REQUIRE(moved.is_object());
  CHECK(moved["cause"] == "agent_move");
  CHECK(moved["from_group"] == 101);
  CHECK(moved["to_group"] == 102);
  CHECK(moved["from_tier"] == "tier1");
  CHECK(moved["to_tier"] == "tier2");
  CHECK(moved["actor"] == 500121);

  Driver own;
  auto u = ticket(101, TicketStatus::kOpen, kT0);
  own.on(event(EventKind::kCreated, u, kT0), kT0);
  own.tick(kT0 + 12min);
  auto w = own.tick(kT0 + 15min).writes.at(0);
  auto answer = after_write(u, w, kT0 + 15min);
  CHECK(note(own.on(event(EventKind::kGroupChanged, answer, kT0 + 15min, 999), kT0 + 15min + 100ms),
             "group_moved")
            .is_null());
  CHECK(note(own.confirm(w, answer, kT0 + 15min + 200ms), "group_moved").is_null());
}
