// EngineHarness: the engine (and, when asked, the outbox sender) running
// in-process on a real store, with a ManualClock and a FakeHelpdesk, wired
// as `tierd serve` wires them. The store is an SQLite file in a temporary
// folder, or a fresh PostgreSQL database when TIERD_TEST_STORE=postgres
// (support/store_backends.h). Tests deliver events, move the clock,
// settle() the threads and look at the store and the helpdesk.
// crash_and_restart() drops the threads and the store and starts fresh ones
// on the same data, as a restart after a crash does.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/policy.h"
#include "core/ticket_event.h"
#include "engine/engine.h"
#include "engine/inbox_record.h"
#include "engine/outbox_sender.h"
#include "metrics/metrics.h"
#include "store/store.h"
#include "support/fake_helpdesk.h"
#include "support/manual_clock.h"
#include "support/must.h"
#include "support/process_harness.h"
#include "support/settle.h"
#include "support/store_backends.h"

namespace tierd::testing {

using namespace std::chrono_literals;

inline const Instant kT0 = from_unix_ms(1'760'000'000'000);
inline constexpr TicketId kTicket = 42;
inline constexpr GroupId kTier1 = 101;
inline constexpr GroupId kTier2 = 102;
inline constexpr GroupId kTier3 = 103;

// tier1 (15 min, at risk at 12), tier2 (30 min), tier3.
inline Policy three_tiers() {
  Policy p;
  TierPolicy t1;
  t1.name = "tier1";
  t1.groups = {kTier1};
  t1.budget = 15min;
  TierPolicy t2;
  t2.name = "tier2";
  t2.groups = {kTier2};
  t2.budget = 30min;
  TierPolicy t3;
  t3.name = "tier3";
  t3.groups = {kTier3};
  p.tiers = {t1, t2, t3};
  p.api_user_id = FakeHelpdesk::kApiUserId;
  return p;
}

// The same with escalation as the only write: at risk comes with the budget.
inline Policy escalation_only() {
  Policy p = three_tiers();
  p.tiers[0].at_risk_share = 1.0;
  return p;
}

// A new ticket in tier 1, as the helpdesk has it at `at`.
inline TicketSnapshot new_ticket(Instant at) {
  TicketSnapshot t;
  t.id = kTicket;
  t.status = TicketStatus::kNew;
  t.priority = Priority::kNormal;
  t.group_id = kTier1;
  t.tags_known = true;
  t.created_at = at;
  t.updated_at = at;
  return t;
}

inline TicketEvent created_event(const TicketSnapshot& t) {
  TicketEvent e;
  e.event_id = "created-" + std::to_string(t.id);
  e.source = "zendesk.event";
  e.type = "zen:event-type:ticket.created";
  e.kind = EventKind::kCreated;
  e.ticket_id = t.id;
  e.time = *t.updated_at;
  e.actor_id = 700;  // the requester
  e.has_snapshot = true;
  e.ticket = t;
  return e;
}

// One outbox row as stored, whatever its state.
struct OutboxRow {
  int64_t id = 0;
  std::string kind;
  std::string state;
  int attempts = 0;
  std::string last_error;
};

struct EngineHarness {
  std::unique_ptr<Backend> backend = make_backend(test_store_name());
  ManualClock clock{kT0};
  FakeHelpdesk helpdesk{clock};
  Metrics metrics;
  Policy policy;
  bool with_sender;
  OutboxSenderOptions sender_options;
  std::vector<Duration> timer_lateness;  // engine thread only until settled

  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<OutboxSender> sender;

  explicit EngineHarness(Policy p = three_tiers(), bool sender = true)
      : policy(std::move(p)), with_sender(sender) {
    sender_options.backoff_base = 10s;
    sender_options.backoff_cap = 10s;  // so a retry comes 5 to 10 s later
    start();
  }
  ~EngineHarness() { stop(); }

  void start() {
    store = backend->open();
    EngineOptions engine_options;
    engine_options.on_timer_fired = [this](Duration late) { timer_lateness.push_back(late); };
    engine = std::make_unique<Engine>(*store, clock, metrics, std::make_shared<Policy>(policy),
                                      engine_options);
    if (with_sender) {
      sender =
          std::make_unique<OutboxSender>(*store, helpdesk, *engine, clock, metrics, sender_options);
      engine->set_outbox_listener([s = sender.get()] { s->wake(); });
    }
    must(engine->start());
    if (sender) sender->start();
  }

  // As `tierd serve` shuts down: the sender first, then the engine.
  void stop() {
    if (sender) sender->stop();
    if (engine) engine->stop();
    sender.reset();
    engine.reset();
    store.reset();
  }

  // Whatever the threads held in memory is gone; the stored data stays.
  void crash_and_restart() {
    stop();
    start();
  }

  // A ticket created at kT0, known to the helpdesk and to the engine.
  void open_ticket() {
    helpdesk.put_ticket(new_ticket(kT0));
    deliver(created_event(new_ticket(kT0)));
    REQUIRE(settled());
  }

  // As the inbox writer does for a webhook delivery.
  void deliver(const TicketEvent& e) {
    std::vector<InboxRecord> records{inbox_record(e, clock.now(), "")};
    must(store->append_inbox(records));
    engine->notify_inbox();
  }

  bool settled() { return sender ? settle(*engine, *sender) : settle(*engine); }

  // Moves the clock and lets the threads do what has come due.
  void advance(Duration d) {
    clock.advance(d);
    REQUIRE(settled());
  }

  std::vector<OutboxRow> outbox() const {
    std::vector<OutboxRow> rows;
    for (const auto& r : backend->rows("SELECT id, kind, state, attempts, last_error "
                                       "FROM outbox ORDER BY id")) {
      rows.push_back({std::stoll(r[0]), r[1], r[2], std::stoi(r[3]), r[4]});
    }
    return rows;
  }

  std::vector<OutboxRow> outbox_of_kind(const std::string& kind) const {
    std::vector<OutboxRow> out;
    for (auto& r : outbox()) {
      if (r.kind == kind) out.push_back(r);
    }
    return out;
  }

  // The audit trail's kinds for the ticket, in order.
  std::vector<std::string> audit_kinds(TicketId id = kTicket) const {
    std::vector<std::string> kinds;
    for (const auto& a : must(store->audit_for_ticket(id))) kinds.push_back(a.kind);
    return kinds;
  }

  size_t audit_count(const std::string& kind) const {
    size_t n = 0;
    for (const auto& k : audit_kinds()) n += k == kind ? 1 : 0;
    return n;
  }

  // The updates the helpdesk received that move the ticket to `group`.
  std::vector<TicketUpdate> updates_to(GroupId group) const {
    std::vector<TicketUpdate> out;
    for (const auto& c : helpdesk.calls("update_ticket")) {
      if (c.update && c.update->group_id == group) out.push_back(*c.update);
    }
    return out;
  }
};

}  // namespace tierd::testing
