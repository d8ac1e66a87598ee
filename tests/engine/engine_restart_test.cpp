// What the engine counts across tickets (open tickets per agent, running
// clocks per tier) after a restart, which reloads it from the summaries the
// store keeps beside each state, against the same counts taken by decoding
// every stored state, and against the counts the engine kept in step while
// it ran.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/ticket_summary.h"
#include "engine_harness.h"

using namespace tierd;
using namespace tierd::testing;

namespace {

// The tallies as a full scan that decodes every stored state makes them.
Engine::Tallies scanned(Store& store) {
  Engine::Tallies t;
  must(store.for_each_ticket([&](const TicketRow& row) {
    auto state = must(ticket_state_from_json(nlohmann::json::parse(row.state_json)));
    TicketSummary s = summarise(state);
    if (s.open_assignee) ++t.open_tickets[*s.open_assignee];
    if (s.running_tier) ++t.running_by_tier[*s.running_tier];
  }));
  return t;
}

TicketSnapshot ticket(TicketId id, std::optional<UserId> assignee, TicketStatus status) {
  TicketSnapshot t = new_ticket(kT0);
  t.id = id;
  t.assignee_id = assignee;
  t.status = status;
  return t;
}

TicketEvent changed(const TicketSnapshot& t, Instant at, const std::string& id) {
  TicketEvent e = created_event(t);
  e.event_id = id;
  e.type = "zen:event-type:ticket.status_changed";
  e.kind = EventKind::kStatusChanged;
  e.time = at;
  e.ticket.updated_at = at;
  return e;
}

}  // namespace

TEST_CASE("a restart counts open tickets and running clocks as a scan of every state does",
          "[engine]") {
  EngineHarness h(escalation_only(), /*sender=*/false);
  // Stops the engine, checks what it kept in step against a scan, restarts
  // and checks what the restart reloaded.
  auto check_restart = [&h](const Engine::Tallies& expected) {
    h.engine->stop();
    CHECK(h.engine->tallies() == expected);
    CHECK(scanned(*h.store) == expected);
    h.crash_and_restart();
    REQUIRE(h.settled());
    h.engine->stop();
    CHECK(h.engine->tallies() == expected);
    double published = 0;
    for (const auto& t : h.policy.tiers) published += h.metrics.running_clocks(t.name).Value();
    int64_t running = 0;
    for (const auto& [tier, n] : expected.running_by_tier) running += n;
    CHECK(published == static_cast<double>(running));
    h.crash_and_restart();
  };

  // Agents 7 and 8 hold open tickets; ticket 4 is unassigned; ticket 5 is
  // solved (its clock stops, it counts for nobody).
  h.deliver(created_event(ticket(1, 7, TicketStatus::kOpen)));
  h.deliver(created_event(ticket(2, 7, TicketStatus::kOpen)));
  h.deliver(created_event(ticket(3, 8, TicketStatus::kOpen)));
  h.deliver(created_event(ticket(4, std::nullopt, TicketStatus::kNew)));
  h.deliver(created_event(ticket(5, 8, TicketStatus::kOpen)));
  REQUIRE(h.settled());
  h.clock.advance(5min);
  h.deliver(changed(ticket(5, 8, TicketStatus::kSolved), h.clock.now(), "solved-5"));
  REQUIRE(h.settled());
  check_restart({.open_tickets = {{7, 2}, {8, 1}}, .running_by_tier = {{0, 4}}});

  // Over budget: the escalations' pending writes move tickets 1 to 4 on,
  // which changes both counts; they stay as a scan finds them.
  h.advance(15min);
  REQUIRE(h.outbox_of_kind("escalate").size() == 4);
  h.engine->stop();
  const Engine::Tallies escalated = h.engine->tallies();
  CHECK(escalated !=
        Engine::Tallies{.open_tickets = {{7, 2}, {8, 1}}, .running_by_tier = {{0, 4}}});
  h.crash_and_restart();
  check_restart(escalated);
}

TEST_CASE("a live start after a shadow run writes what the shadow decisions left due", "[engine]") {
  Policy shadow = escalation_only();
  shadow.shadow = true;
  EngineHarness h(shadow, /*sender=*/false);
  h.open_ticket();
  h.advance(15min);
  REQUIRE(h.audit_count("escalate") == 1);
  REQUIRE(h.outbox().empty());

  h.stop();
  h.policy.shadow = false;
  h.start();
  REQUIRE(h.settled());
  auto rows = h.outbox();
  REQUIRE(rows.size() == 1);
  INFO(rows[0].kind);
  CHECK(rows[0].state == "pending");
}
