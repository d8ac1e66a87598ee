// count_decision(): the tier analytics one decision adds to /metrics, read
// from what decide() really audits for each kind of move.
#include <catch2/catch.hpp>

#include "core/decide.h"
#include "engine/decision_counts.h"
#include "engine_harness.h"

using namespace tierd;
using namespace tierd::testing;

namespace {

constexpr UserId kAgent = 800;

// The ticket as the helpdesk has it after an agent's change at `at`.
TicketEvent agent_update(TicketSnapshot t, EventKind kind, Instant at, const std::string& id) {
  t.updated_at = at;
  TicketEvent e;
  e.event_id = id;
  e.source = "zendesk.event";
  e.type = std::string("zen:event-type:ticket.") + event_kind_name(kind);
  e.kind = kind;
  e.ticket_id = t.id;
  e.time = at;
  e.actor_id = kAgent;
  e.has_snapshot = true;
  e.ticket = std::move(t);
  return e;
}

// Runs one input through decide() and counts it; the state moves on.
struct Walk {
  Policy policy = three_tiers();
  TicketState state;
  TicketSnapshot ticket = new_ticket(kT0);

  Walk() {
    state.id = kTicket;
    step(Input::Event(created_event(ticket)), kT0);
  }
  DecisionCounts step(const Input& input, Instant now) {
    Decision d = decide(state, input, now, policy);
    DecisionCounts counts = count_decision(state, d, policy);
    state = d.state;
    return counts;
  }
  DecisionCounts agent_changes(EventKind kind, Instant at, const std::string& id) {
    return step(Input::Event(agent_update(ticket, kind, at, id)), at);
  }
};

}  // namespace

TEST_CASE("a timer escalation counts as a move with cause timer", "[engine][metrics]") {
  Walk w;
  DecisionCounts c = w.step(Input::Tick(), kT0 + 15min);
  REQUIRE(c.moves.size() == 1);
  CHECK(c.moves[0].from == "tier1");
  CHECK(c.moves[0].to == "tier2");
  CHECK(c.moves[0].cause == "timer");
  CHECK(c.bounce_backs.empty());
  CHECK_FALSE(c.solved_in);
}

TEST_CASE("an agent's move up is an agent_move, a move down also a bounce-back",
          "[engine][metrics]") {
  Walk w;
  w.ticket.group_id = kTier2;
  DecisionCounts up = w.agent_changes(EventKind::kGroupChanged, kT0 + 2min, "up");
  REQUIRE(up.moves.size() == 1);
  CHECK(up.moves[0].cause == "agent_move");
  CHECK(up.moves[0].from == "tier1");
  CHECK(up.moves[0].to == "tier2");
  CHECK(up.bounce_backs.empty());

  w.ticket.group_id = kTier1;
  DecisionCounts down = w.agent_changes(EventKind::kGroupChanged, kT0 + 4min, "down");
  REQUIRE(down.moves.size() == 1);
  CHECK(down.moves[0].cause == "agent_move");
  REQUIRE(down.bounce_backs.size() == 1);
  CHECK(down.bounce_backs[0].from == "tier2");
  CHECK(down.bounce_backs[0].to == "tier1");
}

TEST_CASE("a solve counts in the ticket's tier, and so does a reopen", "[engine][metrics]") {
  Walk w;
  w.step(Input::Tick(), kT0 + 15min);  // now in tier 2
  w.ticket.group_id = kTier2;
  w.ticket.status = TicketStatus::kSolved;
  DecisionCounts solved = w.agent_changes(EventKind::kStatusChanged, kT0 + 20min, "solve");
  REQUIRE(solved.solved_in);
  CHECK(*solved.solved_in == "tier2");
  CHECK_FALSE(solved.reopened_in);

  // Closing a solved ticket is not a second solve.
  w.ticket.status = TicketStatus::kClosed;
  DecisionCounts closed = w.agent_changes(EventKind::kStatusChanged, kT0 + 21min, "close");
  CHECK_FALSE(closed.solved_in);
  CHECK_FALSE(closed.reopened_in);

  w.ticket.status = TicketStatus::kOpen;
  DecisionCounts reopened = w.agent_changes(EventKind::kStatusChanged, kT0 + 22min, "reopen");
  REQUIRE(reopened.reopened_in);
  CHECK(*reopened.reopened_in == "tier2");
  CHECK_FALSE(reopened.solved_in);
}

TEST_CASE("a ticket first seen solved is no solve of tierd's watch", "[engine][metrics]") {
  Policy policy = three_tiers();
  TicketState fresh;
  fresh.id = kTicket;
  TicketSnapshot t = new_ticket(kT0);
  t.status = TicketStatus::kSolved;
  Decision d = decide(fresh, Input::Event(created_event(t)), kT0, policy);
  CHECK_FALSE(count_decision(fresh, d, policy).solved_in);
}

TEST_CASE("an update that changes no tier or status counts nothing", "[engine][metrics]") {
  Walk w;
  w.ticket.priority = Priority::kHigh;
  DecisionCounts c = w.agent_changes(EventKind::kPriorityChanged, kT0 + 1min, "priority");
  CHECK(c.moves.empty());
  CHECK(c.bounce_backs.empty());
  CHECK(c.review_escalations == 0);
  CHECK_FALSE(c.solved_in);
  CHECK_FALSE(c.reopened_in);
}
