#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/decide_fixtures.h"

using namespace tierd;
using namespace tierd::test;

TEST_CASE("a new tier-1 ticket starts its clock and plans the at-risk mark first", "[decide]") {
  Driver d;
  auto& dec = d.on(event(EventKind::kCreated, ticket(101, TicketStatus::kNew, kT0), kT0), kT0);
  CHECK(dec.writes.empty());
  CHECK(d.state.stay.tier == 0);
  CHECK(d.state.stay.entered_by == "created");
  REQUIRE(dec.next_deadline);
  CHECK(*dec.next_deadline == kT0 + 12min);  // 80% of 15m
}

TEST_CASE("the at-risk tag comes at 80% of the budget and never early", "[decide]") {
  Driver d;
  d.on(event(EventKind::kCreated, ticket(101, TicketStatus::kOpen, kT0), kT0), kT0);
  auto& early = d.tick(kT0 + 12min - 1ms);
  CHECK(early.writes.empty());
  CHECK(*early.next_deadline == kT0 + 12min);
  auto& due = d.tick(kT0 + 12min);
  REQUIRE(due.writes.size() == 1);
  CHECK(due.writes[0].kind == "at_risk");
  CHECK(due.writes[0].add_tags == std::vector<std::string>{"tierd_at_risk"});
  CHECK(*due.next_deadline == kT0 + 15min);
  CHECK(d.tick(kT0 + 13min).writes.empty());  // asked once
}

TEST_CASE("a tier-1 ticket past its budget moves to tier 2 with tags, follower and a note",
          "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0, 500120, {"billing", "tierd_tier1"});
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  auto& esc = d.tick(kT0 + 15min);
  REQUIRE(esc.writes.size() == 1);
  const TicketWrite& w = esc.writes[0];
  CHECK(w.kind == "escalate");
  CHECK(w.set_group == 102);
  CHECK(w.clear_assignee);
  CHECK(w.add_followers == std::vector<UserId>{500120});
  CHECK(w.add_tags == std::vector<std::string>{"tierd_tier2", "tierd_escalated"});
  CHECK(w.remove_tags == std::vector<std::string>{"tierd_tier1", "tierd_at_risk"});
  REQUIRE(w.note);
  CHECK(w.note->find("Escalated from tier1 to tier2") != std::string::npos);
  CHECK(w.note->find("15m of handling time in tier1, over its 15m budget") != std::string::npos);
  CHECK(w.note->find("user 500120") != std::string::npos);
  CHECK(w.note->find(write_marker(w.idempotency_key)) != std::string::npos);
  CHECK_FALSE(esc.next_deadline);
  CHECK(d.tick(kT0 + 20min).writes.empty());  // one escalation per stay while it is pending
}

TEST_CASE("a confirmed escalation starts tier 2's clock - its echo changes nothing", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0, 500120);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  auto w = d.tick(kT0 + 15min).writes.at(0);
  Instant landed = kT0 + 15min + 2s;
  auto answer = after_write(t, w, landed);
  auto& conf = d.confirm(w, answer, landed);
  CHECK(conf.writes.empty());
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.stay.entered_by == "escalation");
  CHECK_FALSE(d.state.has_pending("escalate"));
  REQUIRE(conf.next_deadline);
  CHECK(*conf.next_deadline == landed + 24min);
  auto echo = event(EventKind::kGroupChanged, answer, landed, 999);
  auto& e = d.on(echo, landed + 1s);
  CHECK(e.writes.empty());
  CHECK(d.state.stay.entered_at == landed);
}

TEST_CASE("an echo that arrives before the confirmation lands the move once", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  auto w = d.tick(kT0 + 15min).writes.at(0);
  auto answer = after_write(t, w, kT0 + 15min);
  d.on(event(EventKind::kGroupChanged, answer, kT0 + 15min, 999), kT0 + 15min + 100ms);
  CHECK(d.state.stay.tier == 1);
  auto& conf = d.confirm(w, answer, kT0 + 15min + 200ms);
  CHECK(conf.writes.empty());
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.stay.entered_at == kT0 + 15min);
}

TEST_CASE("pending and on-hold pause the clock and keep the time used", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.status = TicketStatus::kPending;
  auto& paused = d.on(event(EventKind::kStatusChanged, t, kT0 + 5min), kT0 + 5min);
  CHECK_FALSE(paused.next_deadline);
  CHECK(handling_time(d.state, kT0 + 60min, d.policy) == 5min);
  t.status = TicketStatus::kHold;
  d.on(event(EventKind::kStatusChanged, t, kT0 + 10min), kT0 + 10min);
  t.status = TicketStatus::kOpen;
  auto& resumed = d.on(event(EventKind::kStatusChanged, t, kT0 + 20min), kT0 + 20min);
  REQUIRE(resumed.next_deadline);
  CHECK(*resumed.next_deadline == kT0 + 20min + 7min);  // 12m at-risk mark, 5m already used
  d.tick(kT0 + 27min);
  auto& esc = d.tick(kT0 + 30min);
  REQUIRE(esc.writes.size() == 1);
  CHECK(esc.writes[0].kind == "escalate");
}

TEST_CASE("solving stops the clock and reopening resumes it with the time kept", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.status = TicketStatus::kSolved;
  CHECK_FALSE(d.on(event(EventKind::kStatusChanged, t, kT0 + 4min), kT0 + 4min).next_deadline);
  CHECK(d.tick(kT0 + 2h).writes.empty());
  t.status = TicketStatus::kOpen;
  auto& re = d.on(event(EventKind::kStatusChanged, t, kT0 + 3h), kT0 + 3h);
  CHECK(*re.next_deadline == kT0 + 3h + 8min);
}

TEST_CASE("an agent moving the ticket to another tier restarts the clock there", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.group_id = 102;
  auto& moved = d.on(event(EventKind::kGroupChanged, t, kT0 + 10min, 500121), kT0 + 10min);
  CHECK(moved.writes.empty());  // no tierd tags to fix
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.stay.entered_by == "agent");
  CHECK(*moved.next_deadline == kT0 + 10min + 24min);
}

TEST_CASE("an agent moving a tagged ticket back gets the tier tags fixed", "[decide]") {
  Driver d;
  auto t = ticket(102, TicketStatus::kOpen, kT0, std::nullopt, {"tierd_tier2", "tierd_at_risk"});
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.group_id = 101;
  auto& moved = d.on(event(EventKind::kGroupChanged, t, kT0 + 1min, 500121), kT0 + 1min);
  REQUIRE(moved.writes.size() == 1);
  CHECK(moved.writes[0].kind == "retag");
  CHECK(moved.writes[0].add_tags == std::vector<std::string>{"tierd_tier1"});
  CHECK(moved.writes[0].remove_tags == std::vector<std::string>{"tierd_tier2", "tierd_at_risk"});
}

TEST_CASE("the escalate tag moves a ticket up at once and is removed", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.tags = {"tierd_escalate"};
  auto& esc = d.on(event(EventKind::kTagsChanged, t, kT0 + 2min), kT0 + 2min);
  REQUIRE(esc.writes.size() == 1);
  CHECK(esc.writes[0].kind == "escalate");
  CHECK(esc.writes[0].set_group == 102);
  CHECK(esc.writes[0].remove_tags == std::vector<std::string>{"tierd_tier1", "tierd_escalate"});
  CHECK(esc.writes[0].note->find("because an agent added the tag tierd_escalate") !=
        std::string::npos);
  // The tag is still on the ticket until the write lands: no second move.
  CHECK(d.on(event(EventKind::kCommentAdded, t, kT0 + 3min), kT0 + 3min).writes.empty());
}

TEST_CASE("the escalate tag on the last tier is removed with a note saying why", "[decide]") {
  Driver d;
  auto t = ticket(103, TicketStatus::kOpen, kT0, std::nullopt, {"tierd_escalate"});
  auto& dec = d.on(event(EventKind::kCreated, t, kT0), kT0);
  REQUIRE(dec.writes.size() == 1);
  CHECK(dec.writes[0].kind == "clear_tag");
  CHECK(dec.writes[0].note->find("already in the last tier (tier3)") != std::string::npos);
  CHECK(d.on(event(EventKind::kCommentAdded, t, kT0 + 1min), kT0 + 1min).writes.empty());
}

TEST_CASE("the deescalate tag moves a ticket down a tier", "[decide]") {
  Driver d;
  auto t = ticket(102, TicketStatus::kOpen, kT0, std::nullopt, {"tierd_deescalate", "tierd_tier2"});
  auto& dec = d.on(event(EventKind::kCreated, t, kT0), kT0);
  REQUIRE(dec.writes.size() == 1);
  CHECK(dec.writes[0].kind == "deescalate");
  CHECK(dec.writes[0].set_group == 101);
}

TEST_CASE("urgent tickets use the per-priority budget", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kNew, kT0);
  t.priority = Priority::kUrgent;
  auto& dec = d.on(event(EventKind::kCreated, t, kT0), kT0);
  CHECK(*dec.next_deadline == kT0 + 4min);  // 80% of 5m
  d.tick(kT0 + 4min);
  CHECK(d.tick(kT0 + 5min).writes.at(0).kind == "escalate");
}

TEST_CASE("raising the priority mid-stay shortens the budget at once", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.priority = Priority::kUrgent;
  auto& dec = d.on(event(EventKind::kPriorityChanged, t, kT0 + 6min), kT0 + 6min);
  REQUIRE(dec.writes.size() == 1);
  CHECK(dec.writes[0].kind == "escalate");
}

TEST_CASE("a conflict re-decides on the fresh ticket with a new write", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  auto risk = d.tick(kT0 + 12min).writes.at(0);
  auto first = d.tick(kT0 + 15min).writes.at(0);
  auto fresh = t;
  fresh.updated_at = kT0 + 14min;  // an agent commented meanwhile
  // The writer sent both pending writes as one update; the vendor refused it.
  auto& re =
      d.feed(Input::WriteOutcome(InputKind::kWriteConflict,
                                 {risk.idempotency_key, first.idempotency_key}, fresh, "409"),
             kT0 + 15min + 1s);
  CHECK(re.cancelled_writes ==
        std::vector<std::string>{risk.idempotency_key, first.idempotency_key});
  REQUIRE(re.writes.size() == 1);  // the move again; it also clears the at-risk tag
  CHECK(re.writes[0].kind == "escalate");
  CHECK(re.writes[0].idempotency_key != first.idempotency_key);
  CHECK(re.writes[0].base_updated_at == kT0 + 14min);
  CHECK(d.state.pending.size() == 1);
}

TEST_CASE("a conflict caused by an agent's move does not escalate again", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  auto first = d.tick(kT0 + 15min).writes.at(0);
  auto fresh = t;
  fresh.group_id = 103;
  fresh.updated_at = kT0 + 15min;
  auto& re =
      d.feed(Input::WriteOutcome(InputKind::kWriteConflict, {first.idempotency_key}, fresh, "409"),
             kT0 + 15min + 1s);
  for (const auto& w : re.writes) CHECK(w.kind != "escalate");
  CHECK(d.state.stay.tier == 2);
}

TEST_CASE("a dead-lettered escalation is not retried in the same stay", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  auto w = d.tick(kT0 + 15min).writes.at(0);
  auto& dead =
      d.feed(Input::WriteOutcome(InputKind::kWriteDead, {w.idempotency_key}, std::nullopt, "422"),
             kT0 + 16min);
  CHECK(dead.writes.empty());
  CHECK_FALSE(dead.next_deadline);
  CHECK(d.tick(kT0 + 2h).writes.empty());
}

TEST_CASE("an event older than the known state is ignored", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  t.status = TicketStatus::kPending;
  d.on(event(EventKind::kStatusChanged, t, kT0 + 5min), kT0 + 5min);
  auto old = t;
  old.status = TicketStatus::kOpen;
  auto& stale = d.on(event(EventKind::kStatusChanged, old, kT0 + 3min), kT0 + 6min);
  CHECK(stale.audit.at(0).kind == "stale_ignored");
  CHECK(d.state.ticket.status == TicketStatus::kPending);
  CHECK_FALSE(stale.next_deadline);
}

TEST_CASE("the last tier has no clock", "[decide]") {
  Driver d;
  auto& dec = d.on(event(EventKind::kCreated, ticket(103, TicketStatus::kOpen, kT0), kT0), kT0);
  CHECK_FALSE(dec.next_deadline);
  CHECK(d.tick(kT0 + 48h).writes.empty());
}

TEST_CASE("a ticket in no tiered group is mirrored but never timed", "[decide]") {
  Driver d;
  auto& dec = d.on(event(EventKind::kCreated, ticket(555, TicketStatus::kOpen, kT0), kT0), kT0);
  CHECK(d.state.known);
  CHECK(d.state.stay.tier == -1);
  CHECK_FALSE(dec.next_deadline);
}

TEST_CASE("a deleted ticket stops its clock", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  auto& del = d.on(event(EventKind::kDeleted, t, kT0 + 1min), kT0 + 1min);
  CHECK_FALSE(del.next_deadline);
  CHECK(d.tick(kT0 + 1h).writes.empty());
}

TEST_CASE("a change without a snapshot is applied to the mirror", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  TicketEvent e;
  e.event_id = "bare";
  e.kind = EventKind::kStatusChanged;
  e.ticket_id = 42;
  e.time = kT0 + 2min;
  e.current = "PENDING";
  auto& dec = d.on(e, kT0 + 2min);
  CHECK(d.state.ticket.status == TicketStatus::kPending);
  CHECK_FALSE(dec.next_deadline);
}

TEST_CASE("a ticket first seen mid-life starts its clock when first seen", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0);
  t.created_at = kT0 - 3h;
  auto& dec = d.on(event(EventKind::kCommentAdded, t, kT0), kT0);
  CHECK(d.state.stay.entered_by == "first_seen");
  CHECK(*dec.next_deadline == kT0 + 12min);
}

TEST_CASE("ticket state survives its JSON form", "[decide]") {
  Driver d;
  auto t = ticket(101, TicketStatus::kOpen, kT0, 7, {"a", "b"});
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  d.tick(kT0 + 15min);
  auto back = ticket_state_from_json(to_json(d.state));
  REQUIRE(back.ok());
  CHECK(*back == d.state);
  auto w = d.history.back().writes.at(0);
  auto wb = ticket_write_from_json(to_json(w));
  REQUIRE(wb.ok());
  CHECK(*wb == w);
}

TEST_CASE("a policy change keeps the time already used and applies the new budget from now",
          "[decide]") {
  Driver d;
  d.on(event(EventKind::kCreated, ticket(101, TicketStatus::kOpen, kT0), kT0), kT0);
  Policy longer = d.policy;
  longer.tiers[0].budget = 30min;
  TicketState rebased = rebase_clock(d.state, kT0 + 10min, d.policy);
  CHECK(handling_time(rebased, kT0 + 10min, longer) == 10min);
  auto dec = decide(rebased, Input::Tick(), kT0 + 10min, longer);
  REQUIRE(dec.next_deadline);
  CHECK(*dec.next_deadline == kT0 + 24min);  // 80% of 30m, with 10m already used
}

TEST_CASE("an echo of tierd's own write in the same second as the mirror changes nothing",
          "[decide]") {
  Driver d;
  TicketSnapshot t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  const Decision& risk = d.tick(kT0 + 12min);
  REQUIRE(risk.writes.size() == 1);
  TicketSnapshot at_risk = after_write(t, risk.writes[0], kT0 + 12min);
  d.confirm(risk.writes[0], at_risk, kT0 + 12min + 100ms);
  const Decision& up = d.tick(kT0 + 15min);
  REQUIRE(up.writes.size() == 1);
  REQUIRE(up.writes[0].set_group == 102);
  TicketSnapshot escalated = after_write(at_risk, up.writes[0], kT0 + 15min);
  d.confirm(up.writes[0], escalated, kT0 + 15min + 300ms);
  REQUIRE(d.state.stay.tier == 1);

  // The at-risk write's webhook comes last, stamped (whole seconds) like the escalation.
  const Decision& echo =
      d.on(event(EventKind::kTagsChanged, at_risk, kT0 + 15min, 999), kT0 + 15min + 400ms);
  CHECK(echo.writes.empty());
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.ticket.group_id == 102);
  bool ignored = false;
  for (const auto& a : echo.audit) ignored = ignored || a.kind == "stale_ignored";
  CHECK(ignored);

  // An agent's move in that same second is news and is applied.
  Driver other = d;
  TicketEvent moved = event(EventKind::kGroupChanged, at_risk, kT0 + 15min, 500);
  moved.previous = "102";
  moved.current = "101";
  other.on(moved, kT0 + 15min + 500ms);
  CHECK(other.state.stay.tier == 0);
}

TEST_CASE("a late webhook of an agent's change in the same second applies only that change",
          "[decide]") {
  Driver d;
  TicketSnapshot t = ticket(101, TicketStatus::kOpen, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  d.tick(kT0 + 12min);
  const Decision& risk = d.history.back();
  REQUIRE(risk.writes.size() == 1);
  TicketSnapshot at_risk = after_write(t, risk.writes[0], kT0 + 12min);
  d.confirm(risk.writes[0], at_risk, kT0 + 12min + 100ms);
  const Decision& up = d.tick(kT0 + 15min);
  REQUIRE(up.writes.size() == 1);
  d.confirm(up.writes[0], after_write(at_risk, up.writes[0], kT0 + 15min), kT0 + 15min + 300ms);
  REQUIRE(d.state.stay.tier == 1);

  // An agent tagged the ticket just before the escalation landed, in the same
  // second; its webhook comes after the escalation's confirmation and still
  // shows the old group.
  TicketSnapshot before_move = at_risk;
  before_move.tags = normalize_tags({"tierd_at_risk", "tierd_tier1", "vip"});
  TicketEvent tagged = event(EventKind::kTagsChanged, before_move, kT0 + 15min, 500);
  tagged.tags_added = {"vip"};
  const Decision& late = d.on(tagged, kT0 + 15min + 800ms);
  CHECK(late.writes.empty());
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.ticket.group_id == 102);
  CHECK(d.state.ticket.has_tag("vip"));
  // And it is not escalated into tier 2 a second time.
  for (int i = 1; i <= 3; ++i) {
    for (const auto& w : d.tick(kT0 + 15min + i * 1min).writes)
      CHECK_FALSE(w.set_group.has_value());
  }
}

TEST_CASE("after an escalation is dead-lettered, the escalate tag asks for nothing more",
          "[decide]") {
  Driver d;
  TicketSnapshot t = ticket(101, TicketStatus::kOpen, kT0, std::nullopt, {"tierd_escalate"});
  const Decision& first = d.on(event(EventKind::kCreated, t, kT0), kT0);
  REQUIRE(first.writes.size() == 1);
  REQUIRE(first.writes[0].set_group == 102);
  d.feed(Input::WriteOutcome(InputKind::kWriteDead, {first.writes[0].idempotency_key}, std::nullopt,
                             "HTTP 422"),
         kT0 + 1s);
  CHECK(d.state.stay.escalation_blocked);
  for (int i = 1; i <= 5; ++i) {
    const Decision& again = d.tick(kT0 + i * 1min);
    CHECK(again.writes.empty());
  }
  const Decision& touched = d.on(event(EventKind::kCommentAdded, t, kT0 + 6min), kT0 + 6min);
  CHECK(touched.writes.empty());
}
