// Two engines, as two replicas, on one database of the real PostgreSQL
// server the tests start. Each acts through a gate that says which shards it
// owns; the tokens come from the real lease store, so the store's fence
// checks are the real ones. The virtual clock drives the deadlines; what a
// replica does is read back from the shared store.
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "cluster/shard_gate.h"
#include "engine/engine.h"
#include "engine/inbox_record.h"
#include "runtime/mutex.h"
#include "store/postgres/postgres_lease_store.h"
#include "store/postgres/postgres_store.h"
#include "support/manual_clock.h"
#include "support/must.h"
#include "support/postgres_server.h"
#include "support/settle.h"

using namespace tierd;
using namespace std::chrono_literals;
using cluster::LeaseToken;
using tierd::testing::ManualClock;
using tierd::testing::must;
using tierd::testing::PostgresServer;
using tierd::testing::settle;

namespace {

constexpr int kShards = 2;
constexpr GroupId kTier1 = 101;
constexpr GroupId kTier2 = 102;
const Instant kT0 = from_unix_ms(1'760'000'000'000);

// The shards a test says a replica owns (what ShardOwnership answers in
// `tierd serve`); a replica paused past its lease keeps believing.
class HeldShards final : public cluster::ShardGate {
 public:
  int shards() const override { return kShards; }
  std::map<int, LeaseToken> owned() const override EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return owned_;
  }
  bool may_act(int shard) const override EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return owned_.count(shard) != 0;
  }
  void set(std::map<int, LeaseToken> owned) EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    owned_ = std::move(owned);
  }

 private:
  mutable Mutex mutex_;
  std::map<int, LeaseToken> owned_ GUARDED_BY(mutex_);
};

Policy two_tiers() {
  Policy p;
  TierPolicy t1;
  t1.name = "tier1";
  t1.groups = {kTier1};
  t1.budget = 15min;
  t1.at_risk_share = 1.0;  // the escalation is the only write
  TierPolicy t2;
  t2.name = "tier2";
  t2.groups = {kTier2};
  p.tiers = {t1, t2};
  p.api_user_id = 900;
  return p;
}

TicketEvent created(TicketId id, Instant at) {
  TicketSnapshot t;
  t.id = id;
  t.status = TicketStatus::kOpen;
  t.priority = Priority::kNormal;
  t.group_id = kTier1;
  t.tags_known = true;
  t.created_at = at;
  t.updated_at = at;
  TicketEvent e;
  e.event_id = "created-" + std::to_string(id);
  e.source = "zendesk.event";
  e.type = "zen:event-type:ticket.created";
  e.kind = EventKind::kCreated;
  e.ticket_id = id;
  e.time = at;
  e.actor_id = 700;
  e.has_snapshot = true;
  e.ticket = t;
  return e;
}

struct Replica {
  Replica(const std::string& url, const ManualClock& clock)
      : store(must(open_postgres_store(url))) {
    EngineOptions options;
    options.shards = &gate;
    options.retry_pause = 50ms;
    engine = std::make_unique<Engine>(*store, clock, metrics, std::make_shared<Policy>(two_tiers()),
                                      options);
  }
  ~Replica() { engine->stop(); }
  std::string metric(const std::string& name) const {
    const std::string text = metrics.exposition();
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 2;
    return text.substr(start, text.find('\n', start) - start);
  }

  HeldShards gate;
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

// The escalation writes queued for `ticket`, pending or not.
size_t escalations_of(Store& store, TicketId ticket) {
  size_t n = 0;
  for (const auto& r : must(store.due_outbox(kT0 + 24h, 1000))) {
    if (r.ticket_id == ticket && r.kind == "escalate") ++n;
  }
  return n;
}

}  // namespace

TEST_CASE(
    "replicas decide only for their shards, a fenced commit stores nothing, and the "
    "new owner fires what is overdue",
    "[replica][postgres]") {
  static std::atomic<int> next{0};
  const std::string url =
      PostgresServer::shared().create_database("engines_" + std::to_string(++next));
  auto leases = must(open_postgres_lease_store(url));
  const LeaseToken a0 = must(leases->try_acquire(0, "a", 10min)).value();
  const LeaseToken b1 = must(leases->try_acquire(1, "b", 1s)).value();

  ManualClock clock(kT0);
  Replica a(url, clock);
  Replica b(url, clock);
  a.gate.set({{0, a0}});
  b.gate.set({{1, b1}});
  must(a.engine->start());
  must(b.engine->start());

  // Ticket 42 is shard 0's, 43 shard 1's; either replica may have taken the webhook.
  std::vector<InboxRecord> records{inbox_record(created(42, kT0), kT0, ""),
                                   inbox_record(created(43, kT0), kT0, "")};
  must(a.store->append_inbox(records));
  a.engine->notify_inbox();
  b.engine->notify_inbox();
  REQUIRE(settle(*a.engine, *b.engine));
  CHECK(a.engine->running_clocks() == 1);
  CHECK(b.engine->running_clocks() == 1);
  CHECK(must(a.store->inbox_depth()) == 0);

  // b stops renewing (paused); its lease runs out and a takes shard 1 over.
  // b does not know yet.
  std::optional<LeaseToken> a1;
  for (int i = 0; i < 100 && !a1; ++i) {
    std::this_thread::sleep_for(50ms);
    a1 = must(leases->try_acquire(1, "a", 10min));
  }
  REQUIRE(a1.has_value());

  // Both budgets run out. b's escalation of 43 is refused by its fence.
  clock.advance(16min);
  REQUIRE(settle(*a.engine, *b.engine));
  CHECK(escalations_of(*a.store, 42) == 1);
  CHECK(escalations_of(*a.store, 43) == 0);
  CHECK(b.metric("tierd_fencing_rejections_total") == "1");
  CHECK(b.engine->running_clocks() == 0);  // the shard is left alone

  // a learns of its new shard: 43's overdue deadline fires at once, once.
  a.gate.set({{0, a0}, {1, *a1}});
  a.engine->notify_inbox();
  REQUIRE(settle(*a.engine, *b.engine));
  CHECK(escalations_of(*a.store, 43) == 1);
  CHECK(escalations_of(*a.store, 42) == 1);
  CHECK(a.metric("tierd_failover_lateness_seconds_count") == "1");
  CHECK(a.metric("tierd_fencing_rejections_total").empty());

  // A later delivery for shard 1 goes to a; b, still believing, commits nothing.
  clock.advance(1min);
  std::vector<InboxRecord> later{inbox_record(created(45, clock.now()), clock.now(), "")};
  must(b.store->append_inbox(later));
  a.engine->notify_inbox();
  b.engine->notify_inbox();
  REQUIRE(settle(*a.engine, *b.engine));
  CHECK(must(a.store->inbox_depth()) == 0);
  CHECK(a.engine->running_clocks() == 1);
  CHECK(b.engine->running_clocks() == 0);
}

#endif  // TIERD_HAVE_POSTGRES
