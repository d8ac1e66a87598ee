// The engine thread in-process: a real SQLite store, a ManualClock, and
// write outcomes posted by hand where the outbox sender would post them.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/ticket_write.h"
#include "engine_harness.h"

using namespace tierd;
using namespace tierd::testing;

namespace {

// The pending escalation record the engine queued.
OutboxRecord pending_escalation(const EngineHarness& h) {
  for (auto& r : must(h.store->pending_outbox_for_ticket(kTicket))) {
    if (r.kind == "escalate") return r;
  }
  FAIL("no pending escalation");
  return {};
}

WriteOutcome outcome(InputKind kind, const OutboxRecord& r, std::optional<TicketSnapshot> ticket,
                     std::string detail) {
  WriteOutcome o;
  o.ticket_id = r.ticket_id;
  o.kind = kind;
  o.outbox_ids = {r.id};
  o.keys = {r.idempotency_key};
  o.ticket = std::move(ticket);
  o.detail = std::move(detail);
  return o;
}

std::optional<Instant> stored_deadline(const EngineHarness& h) {
  auto row = must(h.store->load_ticket(kTicket));
  REQUIRE(row);
  return row->deadline;
}

// The engine alone, with a ticket over its budget and the escalation queued.
struct Escalated {
  EngineHarness h{escalation_only(), /*sender=*/false};
  OutboxRecord queued;

  Escalated() {
    h.open_ticket();
    h.advance(15min);
    queued = pending_escalation(h);
  }
};

}  // namespace

TEST_CASE("a new ticket starts its tier clock and its deadlines fire at their virtual time",
          "[engine]") {
  EngineHarness h(three_tiers(), /*sender=*/false);
  h.deliver(created_event(new_ticket(kT0)));
  REQUIRE(h.settled());
  CHECK(h.engine->running_clocks() == 1);
  CHECK(stored_deadline(h) == kT0 + 12min);  // at risk at 80% of 15 min

  h.advance(12min - 1ms);
  CHECK(h.outbox().empty());
  h.advance(1ms);
  CHECK(h.outbox_of_kind("at_risk").size() == 1);
  CHECK(stored_deadline(h) == kT0 + 15min);

  h.advance(3min - 1ms);
  CHECK(h.outbox_of_kind("escalate").empty());
  h.advance(1ms);
  auto escalations = h.outbox_of_kind("escalate");
  REQUIRE(escalations.size() == 1);
  CHECK(escalations[0].state == "pending");
  CHECK(h.timer_lateness == std::vector<Duration>{0ms, 0ms});
  CHECK(h.metrics.escalations("tier1", "tier2", "timer").Value() == 1);
  CHECK(h.audit_count("escalate") == 1);
}

TEST_CASE(
    "a reported conflict cancels the refused write and the engine decides on the fresh ticket",
    "[engine]") {
  Escalated e;
  EngineHarness& h = e.h;
  const OutboxRecord& refused = e.queued;

  // An agent tagged the ticket meanwhile; the helpdesk refused tierd's write.
  TicketSnapshot fresh = new_ticket(kT0);
  fresh.tags = {"vip"};
  fresh.updated_at = kT0 + 14min;
  h.engine->post_outcome(outcome(InputKind::kWriteConflict, refused, fresh, "HTTP 409"));
  REQUIRE(h.settled());

  auto rows = h.outbox_of_kind("escalate");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == refused.id);
  CHECK(rows[0].state == "cancelled");
  CHECK(rows[1].state == "pending");
  auto again = pending_escalation(h);
  auto write = must(ticket_write_from_json(nlohmann::json::parse(again.payload_json)));
  CHECK(write.set_group == kTier2);
  CHECK(write.base_tags == std::vector<std::string>{"vip"});
  CHECK(write.base_updated_at == kT0 + 14min);
  CHECK(h.engine->take_settled_outbox() == std::vector<int64_t>{refused.id});
  CHECK(h.engine->take_settled_outbox().empty());
  CHECK(h.audit_count("write_conflict") == 1);
}

TEST_CASE("a reported dead letter ends the record dead once, with its reason and count",
          "[engine]") {
  Escalated e;
  EngineHarness& h = e.h;
  const OutboxRecord& refused = e.queued;

  h.engine->post_outcome(
      outcome(InputKind::kWriteDead, refused, std::nullopt, "HTTP 422 RecordInvalid"));
  REQUIRE(h.settled());

  auto dead = must(h.store->dead_outbox(10));
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].id == refused.id);
  CHECK(dead[0].last_error == "HTTP 422 RecordInvalid");
  CHECK(h.metrics.dead_letters().Value() == 1);
  CHECK(h.audit_count("write_dead") == 1);
  CHECK(h.engine->take_settled_outbox() == std::vector<int64_t>{refused.id});
  // Nothing asks for the refused escalation again.
  h.advance(1h);
  CHECK(h.outbox_of_kind("escalate").size() == 1);
  CHECK(must(h.store->dead_outbox(10)).size() == 1);
}

TEST_CASE("in shadow mode the engine decides and audits but queues no write", "[engine]") {
  Policy policy = escalation_only();
  policy.shadow = true;
  EngineHarness h(policy, /*sender=*/false);
  h.open_ticket();
  h.advance(15min);
  CHECK(h.outbox().empty());
  CHECK(h.audit_count("escalate") == 1);
  CHECK(h.metrics.escalations("tier1", "tier2", "timer").Value() == 1);
}
