// The engine and the outbox sender in-process against a FakeHelpdesk: what
// reaches the helpdesk, and how often, for each kind of answer — including
// a crash between a write and its answer.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/ticket_write.h"
#include "engine_harness.h"

using namespace tierd;
using namespace tierd::testing;

namespace {

bool has_tag(const TicketUpdate& u, const std::string& tag) {
  return u.tags && std::find(u.tags->begin(), u.tags->end(), tag) != u.tags->end();
}

// Tickets first..last, created at kT0, known to the helpdesk and the engine.
void open_tickets(EngineHarness& h, TicketId first, TicketId last) {
  for (TicketId id = first; id <= last; ++id) {
    TicketSnapshot t = new_ticket(kT0);
    t.id = id;
    h.helpdesk.put_ticket(t);
    h.deliver(created_event(t));
  }
  REQUIRE(h.settled());
}

size_t markers_in_comments(EngineHarness& h) {
  size_t n = 0;
  for (const auto& c : h.helpdesk.comments(kTicket)) n += c.find("[tierd ref") != c.npos ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("an escalation is written once and confirmed", "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.open_ticket();
  h.advance(15min);

  auto updates = h.updates_to(kTier2);
  REQUIRE(updates.size() == 1);
  CHECK(has_tag(updates[0], "tierd_tier2"));
  CHECK(updates[0].updated_stamp == kT0);
  CHECK(h.helpdesk.ticket(kTicket)->group_id == kTier2);
  auto rows = h.outbox_of_kind("escalate");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "done");
  CHECK(rows[0].attempts == 1);
  CHECK(h.audit_count("write_confirmed") == 1);

  h.advance(10min);
  CHECK(h.updates_to(kTier2).size() == 1);
}

TEST_CASE("a 409 makes the engine decide again on the fresh ticket", "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.open_ticket();
  TicketSnapshot tagged = new_ticket(kT0);
  tagged.tags = {"vip"};
  tagged.updated_at = kT0 + 14min;
  h.helpdesk.script("update_ticket", Scripted::conflict(tagged));
  h.advance(15min);

  auto updates = h.updates_to(kTier2);
  REQUIRE(updates.size() == 2);
  CHECK(updates[0].updated_stamp == kT0);
  CHECK(updates[1].updated_stamp == kT0 + 14min);
  CHECK(has_tag(updates[1], "vip"));  // the agent's tag is kept
  CHECK(h.helpdesk.calls("get_ticket").size() == 1);
  auto rows = h.outbox_of_kind("escalate");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].state == "cancelled");
  CHECK(rows[1].state == "done");
  CHECK(h.helpdesk.ticket(kTicket)->group_id == kTier2);
  CHECK(h.audit_count("write_conflict") == 1);
}

TEST_CASE("a 429 holds the writes for Retry-After", "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.open_ticket();
  h.helpdesk.script("update_ticket", Scripted::rate_limited(30s));
  h.advance(15min);
  REQUIRE(h.updates_to(kTier2).size() == 1);

  h.advance(30s - 1ms);
  CHECK(h.updates_to(kTier2).size() == 1);
  h.advance(1ms);
  auto calls = h.helpdesk.calls("update_ticket");
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].at - calls[0].at == 30s);
  CHECK(h.outbox_of_kind("escalate")[0].state == "done");
  CHECK(h.metrics.rate_limit_waits().Value() >= 1);
}

TEST_CASE("a 5xx is retried with back-off after the marker was looked for", "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.open_ticket();
  h.helpdesk.script("update_ticket", Scripted::server_error());
  h.advance(15min);
  REQUIRE(h.updates_to(kTier2).size() == 1);

  h.advance(5s - 1ms);  // the back-off is 5 to 10 s
  CHECK(h.updates_to(kTier2).size() == 1);
  h.advance(5s + 1ms);
  auto calls = h.helpdesk.calls();
  REQUIRE(h.updates_to(kTier2).size() == 2);
  auto looked = std::find_if(calls.begin(), calls.end(), [](const HelpdeskCall& c) {
    return c.method == "has_comment_containing";
  });
  REQUIRE(looked != calls.end());
  auto second = std::find_if(looked, calls.end(),
                             [](const HelpdeskCall& c) { return c.method == "update_ticket"; });
  CHECK(second != calls.end());  // the marker check came before the retry
  auto rows = h.outbox_of_kind("escalate");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "done");
  CHECK(rows[0].attempts == 2);
  CHECK(markers_in_comments(h) == 1);
}

TEST_CASE("a write retried after an unknown outcome goes again alone, not merged with later ones",
          "[outbox_sender]") {
  EngineHarness h(three_tiers());
  h.open_ticket();
  // The at-risk write (at 12 min) fails with an unknown outcome, and tierd
  // restarts: the write is held until well after the escalation (at 15 min)
  // has been queued behind it.
  h.helpdesk.script("update_ticket", Scripted::server_error());
  h.advance(12min);
  REQUIRE(h.helpdesk.calls("update_ticket").size() == 1);
  const TicketUpdate at_risk = *h.helpdesk.calls("update_ticket")[0].update;
  h.sender_options.unknown_outcome_settle = 10min;
  h.crash_and_restart();
  h.advance(3min);
  CHECK(h.helpdesk.calls("update_ticket").size() == 1);
  REQUIRE(h.outbox_of_kind("escalate").size() == 1);
  h.advance(8min);

  auto updates = h.helpdesk.calls("update_ticket");
  REQUIRE(updates.size() >= 3);
  // The retry is the first update again, as it was sent; the escalation
  // follows on its own.
  CHECK(updates[1].update->tags == at_risk.tags);
  CHECK(updates[1].update->group_id == at_risk.group_id);
  CHECK(updates[1].update->updated_stamp == at_risk.updated_stamp);
  CHECK(updates[1].update->internal_note == at_risk.internal_note);
  CHECK(h.helpdesk.ticket(kTicket)->group_id == kTier2);
  CHECK(markers_in_comments(h) >= 1);
  for (const auto& row : h.outbox()) {
    INFO(row.kind << " " << row.last_error);
    CHECK((row.state == "done" || row.state == "cancelled"));
  }
}

TEST_CASE("after a crash a write whose outcome was unknown is never applied twice",
          "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.open_ticket();

  SECTION("it had applied: its marker confirms it") {
    h.helpdesk.script("update_ticket", Scripted::timeout(/*applied=*/true));
    h.advance(15min);
    REQUIRE(h.updates_to(kTier2).size() == 1);
    h.crash_and_restart();
    REQUIRE(h.settled());
    // Not before a request the dead process sent could still land.
    CHECK(h.helpdesk.calls("has_comment_containing").empty());
    h.advance(h.sender_options.unknown_outcome_settle);
    CHECK(h.helpdesk.calls("has_comment_containing").size() == 1);
    CHECK(h.updates_to(kTier2).size() == 1);
  }
  SECTION("it had not: it is sent once more") {
    h.helpdesk.script("update_ticket", Scripted::timeout(/*applied=*/false));
    h.advance(15min);
    h.crash_and_restart();
    h.advance(h.sender_options.unknown_outcome_settle);
    CHECK(h.helpdesk.calls("has_comment_containing").size() == 1);
    CHECK(h.updates_to(kTier2).size() == 2);
  }
  CHECK(markers_in_comments(h) == 1);
  CHECK(h.helpdesk.ticket(kTicket)->group_id == kTier2);
  auto rows = h.outbox_of_kind("escalate");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "done");
  CHECK(h.audit_count("write_confirmed") == 1);
}

TEST_CASE("after a crash, many tickets' writes of unknown outcome are read in one request",
          "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.stop();
  h.sender_options.bulk_threshold = 100;  // single writes, each with an answer of its own
  h.start();
  open_tickets(h, 1, 8);
  // All eight time out; the first two had landed all the same.
  for (int i = 0; i < 8; ++i) h.helpdesk.script("update_ticket", Scripted::timeout(i < 2));
  h.advance(15min);
  REQUIRE(h.helpdesk.calls("update_ticket").size() == 8);
  h.crash_and_restart();

  SECTION("tickets unchanged since before their writes skip the marker check") {
    h.advance(h.sender_options.unknown_outcome_settle);
    auto reads = h.helpdesk.calls("tickets_by_ids");
    REQUIRE(reads.size() == 1);
    CHECK(reads[0].ids == std::vector<TicketId>{1, 2, 3, 4, 5, 6, 7, 8});
    // Only the two the helpdesk changed since are looked at, and confirmed.
    auto checks = h.helpdesk.calls("has_comment_containing");
    REQUIRE(checks.size() == 2);
    CHECK(checks[0].ticket_id == 1);
    CHECK(checks[1].ticket_id == 2);
    CHECK(h.helpdesk.calls("update_ticket").size() == 8 + 6);
  }
  SECTION("when the read fails, each ticket's marker is looked for") {
    h.helpdesk.script("tickets_by_ids", Scripted::server_error());
    h.advance(h.sender_options.unknown_outcome_settle);
    CHECK(h.helpdesk.calls("tickets_by_ids").size() == 1);
    CHECK(h.helpdesk.calls("has_comment_containing").size() == 8);
    CHECK(h.helpdesk.calls("update_ticket").size() == 8 + 6);
  }
  for (TicketId id = 1; id <= 8; ++id) {
    INFO("ticket " << id);
    size_t markers = 0;
    for (const auto& c : h.helpdesk.comments(id)) markers += c.find("[tierd ref") != c.npos;
    CHECK(markers == 1);
    CHECK(h.helpdesk.ticket(id)->group_id == kTier2);
  }
  auto rows = h.outbox_of_kind("escalate");
  REQUIRE(rows.size() == 8);
  for (const auto& r : rows) CHECK(r.state == "done");
}

TEST_CASE("a ticket changed just before its write of unknown outcome keeps the marker check",
          "[outbox_sender]") {
  // Its updated_at is within the clocks' allowed difference of the write: the
  // write may have landed by the helpdesk's clock, so the marker decides.
  EngineHarness h(escalation_only());
  h.stop();
  h.sender_options.bulk_threshold = 100;
  h.start();
  open_tickets(h, 1, 2);
  h.advance(15min - 30s);
  for (TicketId id = 1; id <= 2; ++id) {
    TicketSnapshot t = *h.helpdesk.ticket(id);
    t.updated_at = h.clock.now();  // a change that left the group alone
    h.helpdesk.put_ticket(t);
    TicketEvent touched = created_event(t);
    touched.event_id = "touched-" + std::to_string(id);
    touched.kind = EventKind::kSnapshot;
    h.deliver(touched);
  }
  REQUIRE(h.settled());
  for (int i = 0; i < 2; ++i) h.helpdesk.script("update_ticket", Scripted::timeout(false));
  h.advance(30s);
  REQUIRE(h.helpdesk.calls("update_ticket").size() == 2);
  h.crash_and_restart();
  h.advance(h.sender_options.unknown_outcome_settle);
  CHECK(h.helpdesk.calls("tickets_by_ids").size() == 1);
  CHECK(h.helpdesk.calls("has_comment_containing").size() == 2);
  CHECK(h.helpdesk.calls("update_ticket").size() == 4);
  for (TicketId id = 1; id <= 2; ++id) {
    CHECK(h.helpdesk.comments(id).size() == 1);
    CHECK(h.helpdesk.ticket(id)->group_id == kTier2);
  }
}

TEST_CASE("a write refused for good is dead-lettered once", "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.open_ticket();
  h.helpdesk.script("update_ticket", Scripted::refused());
  h.advance(15min);

  auto dead = must(h.store->dead_outbox(10));
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].kind == "escalate");
  CHECK(dead[0].last_error.find("422") != std::string::npos);
  CHECK(h.metrics.dead_letters().Value() == 1);
  CHECK(h.audit_count("write_dead") == 1);

  h.crash_and_restart();
  h.advance(1h);
  CHECK(h.updates_to(kTier2).size() == 1);
  CHECK(must(h.store->dead_outbox(10)).size() == 1);
  CHECK(h.metrics.dead_letters().Value() == 1);
  CHECK(h.audit_count("write_dead") == 1);
}

TEST_CASE("in shadow mode nothing reaches the helpdesk", "[outbox_sender]") {
  Policy policy = escalation_only();
  policy.shadow = true;
  EngineHarness h(policy);
  h.open_ticket();
  h.advance(15min);
  CHECK(h.audit_count("escalate") == 1);
  CHECK(h.helpdesk.calls("update_ticket").empty());
  CHECK(h.helpdesk.calls("update_many").empty());
  CHECK(h.outbox().empty());
}

TEST_CASE("bulk jobs are polled while single writes wait for the Update Ticket budget",
          "[outbox_sender]") {
  EngineHarness h(escalation_only());
  h.stop();
  h.sender_options.updates_per_minute = 6;  // one single write per 10 s, a burst of one
  h.sender_options.job_poll_first = 5s;
  h.start();
  // Eight tickets escalate together (a bulk job); three more 2 s later, too
  // few for a job, go as single writes paced by the budget.
  auto open = [&h](TicketId id, Instant at) {
    TicketSnapshot t = new_ticket(at);
    t.id = id;
    h.helpdesk.put_ticket(t);
    h.deliver(created_event(t));
  };
  for (TicketId id = 1; id <= 8; ++id) open(id, kT0);
  h.advance(2s);
  for (TicketId id = 11; id <= 13; ++id) open(id, kT0 + 2s);
  REQUIRE(h.settled());
  auto confirmed = [&h] {
    size_t n = 0;
    for (const auto& r : h.outbox_of_kind("escalate")) n += r.state == "done" ? 1 : 0;
    return n;
  };

  h.advance(15min - 2s);  // the job goes; its first poll is due 5 s later
  REQUIRE(h.helpdesk.calls("update_many").size() == 1);
  CHECK(confirmed() == 0);
  h.advance(2s);  // the first single goes; the second waits 10 s for the budget
  CHECK(h.helpdesk.calls("update_ticket").size() == 1);
  h.advance(3s);  // the poll's time comes during that wait
  CHECK(h.helpdesk.calls("update_ticket").size() == 1);
  CHECK(confirmed() == 9);  // the job's eight and the first single

  h.advance(7s);  // the budget's next token
  CHECK(h.helpdesk.calls("update_ticket").size() == 2);
  h.advance(10s);
  CHECK(h.helpdesk.calls("update_ticket").size() == 3);
  CHECK(confirmed() == 11);
  CHECK(h.helpdesk.calls("update_many").size() == 1);
}
