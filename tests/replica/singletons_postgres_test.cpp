// The work done under the singletons' lease (cluster/lease.h's
// kSingletonLease), on one database of the real PostgreSQL server the tests
// start: the availability snapshot its holder shares, and the reconciler's
// cursor, each refused once the lease moved on. (Who holds the lease:
// shard_ownership_postgres_test.cpp.)
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "engine/availability.h"
#include "engine/inbox_writer.h"
#include "engine/reconciler.h"
#include "metrics/metrics.h"
#include "runtime/mutex.h"
#include "store/fenced_meta.h"
#include "store/postgres/postgres_lease_store.h"
#include "store/postgres/postgres_store.h"
#include "support/fake_helpdesk.h"
#include "support/manual_clock.h"
#include "support/must.h"
#include "support/postgres_server.h"

using namespace tierd;
using namespace std::chrono_literals;
using cluster::kSingletonLease;
using cluster::ShardFence;
using tierd::testing::FakeHelpdesk;
using tierd::testing::must;
using tierd::testing::PostgresServer;

namespace {

std::string fresh_database() {
  static std::atomic<int> next{0};
  return PostgresServer::shared().create_database("singletons_" + std::to_string(++next));
}

}  // namespace

TEST_CASE("replicas use the availability snapshot the singletons' holder read and stored",
          "[replica][postgres]") {
  const std::string url = fresh_database();
  auto leases = must(open_postgres_lease_store(url));
  auto store = must(open_postgres_store(url));
  const auto token_a = must(leases->try_acquire(kSingletonLease, "replica-a", 1h));
  REQUIRE(token_a);
  const ShardFence fence_a{kSingletonLease, *token_a};

  SteadyClock clock;
  FakeHelpdesk helpdesk_a(clock), helpdesk_b(clock);
  helpdesk_a.put_group_members(101, {1, 2});
  helpdesk_a.put_group_members(102, {3});
  AvailabilityOptions watch;
  watch.groups = {101, 102};
  watch.users = {1, 3};

  Mutex mutex;
  std::optional<AvailabilitySnapshot> seen_a, seen_b;
  std::optional<ShardFence> a_believes = fence_a;
  std::atomic<int> a_refused{0};
  AvailabilityRefresher a(
      helpdesk_a, watch,
      [&](AvailabilitySnapshot s) {
        MutexLock lock(mutex);
        seen_a = std::move(s);
      },
      AvailabilitySharing{store.get(), [&] { return a_believes; }, [&] { ++a_refused; }});
  AvailabilityRefresher b(
      helpdesk_b, watch,
      [&](AvailabilitySnapshot s) {
        MutexLock lock(mutex);
        seen_b = std::move(s);
      },
      AvailabilitySharing{store.get(), [] { return std::optional<ShardFence>(); }});

  // Before the holder stored anything, b has nothing to hand on.
  must(b.refresh_once());
  CHECK_FALSE(seen_b);

  must(a.refresh_once());
  const AvailabilitySnapshot expected{{{101, {1, 2}}, {102, {3}}}, {}};
  CHECK(seen_a == expected);
  must(b.refresh_once());
  CHECK(seen_b == expected);
  // Only the holder asked the helpdesk.
  CHECK(helpdesk_a.calls("group_memberships").size() == 2);
  CHECK(helpdesk_b.calls().empty());

  // The lease moves on while a still believes it holds it: a's next
  // snapshot is refused, and b keeps reading the one stored under the lease.
  must(leases->release(kSingletonLease, "replica-a", *token_a));
  REQUIRE(must(leases->try_acquire(kSingletonLease, "replica-b", 1h)));
  helpdesk_a.put_group_members(101, {9});
  CHECK(a_refused == 0);
  CHECK(a.refresh_once().code() == StatusCode::kFenced);
  CHECK(a_refused == 1);  // serve counts it in tierd_fencing_rejections_total
  must(b.refresh_once());
  CHECK(seen_b == expected);
}

TEST_CASE("the reconciler's cursor is written under the singletons' lease and refused after it",
          "[replica][postgres]") {
  const std::string url = fresh_database();
  auto leases = must(open_postgres_lease_store(url));
  auto store = must(open_postgres_store(url));
  const auto token_a = must(leases->try_acquire(kSingletonLease, "replica-a", 1h));
  REQUIRE(token_a);

  const Instant start = from_unix_ms(1'760'000'000'000);
  tierd::testing::ManualClock clock(start);
  FakeHelpdesk helpdesk(clock);
  TicketSnapshot ticket;
  ticket.id = 7;
  ticket.updated_at = start - 10min;
  helpdesk.put_ticket(ticket);
  Metrics metrics;
  InboxWriter inbox(*store, {});
  inbox.start();
  std::optional<ShardFence> believes = ShardFence{kSingletonLease, *token_a};
  ReconcilerOptions options;
  options.singleton_fence = [&] { return believes; };
  Reconciler reconciler(*store, inbox, helpdesk, clock, metrics, options);

  ReconcileRun run = reconciler.run_once();
  REQUIRE(run.status.ok());
  const auto cursor = must(store->get_meta(kReconcileCursorKey));
  REQUIRE(cursor);

  // The lease moves on while this replica still believes it holds it.
  must(leases->release(kSingletonLease, "replica-a", *token_a));
  REQUIRE(must(leases->try_acquire(kSingletonLease, "replica-b", 1h)));
  clock.advance(5min);
  run = reconciler.run_once();
  CHECK(run.status.code() == StatusCode::kFenced);
  CHECK(must(store->get_meta(kReconcileCursorKey)) == cursor);

  // Knowing it lost the lease, it writes nothing either.
  believes.reset();
  clock.advance(5min);
  run = reconciler.run_once();
  CHECK(run.status.code() == StatusCode::kFenced);
  CHECK(must(store->get_meta(kReconcileCursorKey)) == cursor);
  inbox.stop();
}

#endif  // TIERD_HAVE_POSTGRES
