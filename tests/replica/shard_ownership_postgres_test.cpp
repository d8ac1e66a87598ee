// Replicas' ownership threads (of the shards and of the singletons' lease)
// in one process, each with its own lease
// store connection, on one database of the real PostgreSQL server the tests
// start. Waits are bounded polls of real time: the leases are short, but
// nothing here asserts how fast anything happens.
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "cluster/fence_status.h"
#include "replica/shard_ownership.h"
#include "runtime/mutex.h"
#include "store/fenced_meta.h"
#include "store/postgres/postgres_lease_store.h"
#include "store/postgres/postgres_store.h"
#include "support/must.h"
#include "support/postgres_server.h"

using namespace tierd;
using namespace std::chrono_literals;
using cluster::kSingletonLease;
using cluster::LeaseStore;
using cluster::LeaseToken;
using cluster::OwnershipChange;
using cluster::OwnershipReason;
using cluster::ShardFence;
using tierd::testing::must;
using tierd::testing::PostgresServer;

namespace {

constexpr int kShards = 12;

std::string fresh_database() {
  static std::atomic<int> next{0};
  return PostgresServer::shared().create_database("ownership_" + std::to_string(++next));
}

// Polls `done` every 10 ms for up to `bound` of real time.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound = 30s) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// One replica: its lease store connection, its ownership thread and what its
// listener heard.
class Replica {
 public:
  Replica(const std::string& url, const std::string& id, cluster::LeaseTiming timing,
          bool singletons = false, Duration forget_replicas_after = std::chrono::hours(24))
      : leases_(must(open_postgres_lease_store(url))),
        ownership_(*leases_,
                   ShardOwnershipOptions{id, kShards, timing, 2, singletons, forget_replicas_after,
                                         std::chrono::hours(1)},
                   clock_, [this](const OwnershipChange& change) {
                     MutexLock lock(mutex_);
                     heard_.push_back(change);
                   }) {}

  ShardOwnership& ownership() { return ownership_; }
  std::vector<OwnershipChange> heard() const {
    MutexLock lock(mutex_);
    return heard_;
  }

 private:
  SteadyClock clock_;
  std::unique_ptr<LeaseStore> leases_;
  mutable Mutex mutex_;
  std::vector<OwnershipChange> heard_ GUARDED_BY(mutex_);
  ShardOwnership ownership_;
};

// True when the replicas' owned shards are disjoint, cover every shard, and
// each replica holds `share` of them.
bool spread(const std::vector<Replica*>& replicas, size_t share) {
  std::set<int> seen;
  for (Replica* r : replicas) {
    auto owned = r->ownership().owned();
    if (owned.size() != share) return false;
    for (const auto& [shard, token] : owned) {
      if (!seen.insert(shard).second) return false;
    }
  }
  return seen.size() == static_cast<size_t>(kShards);
}

std::map<int, cluster::ShardLease> lease_rows(LeaseStore& store, Instant* now = nullptr) {
  auto table = must(store.leases());
  if (now != nullptr) *now = table.now;
  std::map<int, cluster::ShardLease> rows;
  for (const auto& lease : table.leases) rows.emplace(lease.shard, lease);
  return rows;
}

// Exactly one of the replicas holds the singletons' lease, and together they
// own every shard once.
Replica* settled_holder(const std::vector<Replica*>& replicas) {
  Replica* holder = nullptr;
  size_t shards = 0;
  for (Replica* r : replicas) {
    shards += r->ownership().owned().size();
    if (!r->ownership().singleton_fence()) continue;
    if (holder != nullptr) return nullptr;
    holder = r;
  }
  return shards == kShards ? holder : nullptr;
}

std::set<std::string> replica_rows(LeaseStore& store) {
  std::set<std::string> ids;
  for (const auto& r : must(store.replicas()).replicas) ids.insert(r.id);
  return ids;
}

std::optional<cluster::ShardLease> singletons_row(LeaseStore& store) {
  for (const auto& lease : must(store.leases()).leases) {
    if (lease.shard == kSingletonLease) return lease;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("three replicas converge to a fair spread, and a stopping one hands over at once",
          "[replica][postgres]") {
  const std::string url = fresh_database();
  const auto timing = must(cluster::make_lease_timing(1500ms, 300ms));
  Replica a(url, "replica-a", timing), b(url, "replica-b", timing), c(url, "replica-c", timing);
  a.ownership().start();
  b.ownership().start();
  c.ownership().start();
  REQUIRE(eventually([&] { return spread({&a, &b, &c}, 4); }));

  // The store holds each owned shard under its owner and token.
  auto observer = must(open_postgres_lease_store(url));
  auto rows = lease_rows(*observer);
  for (Replica* r : {&a, &b, &c}) {
    for (const auto& [shard, token] : r->ownership().owned()) {
      CHECK(rows.at(shard).owner == r->ownership().replica_id());
      CHECK(rows.at(shard).token == token);
      CHECK(r->ownership().may_act(shard));
    }
  }

  // c shuts down: its shards are free in the store the moment release_all()
  // returns, and c no longer acts on any of them.
  const auto c_owned = c.ownership().owned();
  c.ownership().release_all();
  CHECK(c.ownership().owned().empty());
  rows = lease_rows(*observer);
  for (const auto& [shard, token] : c_owned) {
    INFO("shard " << shard);
    CHECK_FALSE(c.ownership().may_act(shard));
    CHECK(rows.at(shard).owner != "replica-c");
  }
  size_t shutdown_losses = 0;
  for (const auto& change : c.heard()) {
    if (!change.gained && change.reason == OwnershipReason::kShutdown) ++shutdown_losses;
  }
  CHECK(shutdown_losses == c_owned.size());

  REQUIRE(eventually([&] { return spread({&a, &b}, 6); }));
  a.ownership().release_all();
  b.ownership().release_all();
}

TEST_CASE("a replica that stops renewing stops acting before its leases expire, then loses them",
          "[replica][postgres]") {
  const std::string url = fresh_database();
  // A wide margin, so the moment between "stop acting" and "lease expired"
  // is long enough to look at.
  const auto timing = must(cluster::make_lease_timing(3s, 1500ms));
  Replica a(url, "replica-a", timing), b(url, "replica-b", timing);
  a.ownership().start();
  b.ownership().start();
  REQUIRE(eventually([&] { return spread({&a, &b}, 6); }));

  const auto b_owned = b.ownership().owned();
  b.ownership().stop_renewing();  // a pause: no renewal, no release
  REQUIRE(eventually([&] {
    for (const auto& [shard, token] : b_owned) {
      if (b.ownership().may_act(shard)) return false;
    }
    return true;
  }));
  // b has stopped acting, yet the store still holds its leases: nobody else
  // can have started on those shards.
  auto observer = must(open_postgres_lease_store(url));
  Instant db_now{};
  auto rows = lease_rows(*observer, &db_now);
  for (const auto& [shard, token] : b_owned) {
    INFO("shard " << shard);
    CHECK(rows.at(shard).owner == "replica-b");
    CHECK(rows.at(shard).token == token);
    CHECK(rows.at(shard).expires_at > db_now);
    CHECK(a.ownership().owned().count(shard) == 0);
  }
  CHECK(b.ownership().owned().empty());

  // Once b's leases expire (and b no longer heartbeats), a takes everything.
  REQUIRE(eventually([&] { return a.ownership().owned().size() == kShards; }));
  rows = lease_rows(*observer);
  for (const auto& [shard, token] : b_owned) {
    CHECK(rows.at(shard).owner == "replica-a");
    CHECK(rows.at(shard).token > token);
  }
  a.ownership().release_all();
}

TEST_CASE("a restarted replica under the same id takes its shards back with new tokens",
          "[replica][postgres]") {
  const std::string url = fresh_database();
  const auto timing = must(cluster::make_lease_timing(1500ms, 300ms));
  std::map<int, LeaseToken> before;
  {
    Replica first(url, "replica-a", timing);
    first.ownership().start();
    REQUIRE(eventually([&] { return first.ownership().owned().size() == kShards; }));
    before = first.ownership().owned();
    first.ownership().stop_renewing();  // a crash: the rows stay "replica-a"'s
  }
  Replica second(url, "replica-a", timing);
  second.ownership().start();
  REQUIRE(eventually([&] { return second.ownership().owned().size() == kShards; }));
  for (const auto& [shard, token] : second.ownership().owned()) CHECK(token > before.at(shard));
  second.ownership().release_all();
}

TEST_CASE(
    "one replica holds the singletons' lease, and when it stops renewing the other takes it "
    "over and the old holder's fenced writes are refused",
    "[replica][postgres]") {
  const std::string url = fresh_database();
  const auto timing = must(cluster::make_lease_timing(1500ms, 300ms));
  Replica a(url, "replica-a", timing, true), b(url, "replica-b", timing, true);
  a.ownership().start();
  b.ownership().start();
  Replica* holder = nullptr;
  REQUIRE(eventually([&] { return (holder = settled_holder({&a, &b})) != nullptr; }));
  Replica* other = holder == &a ? &b : &a;
  const ShardFence old_fence = *holder->ownership().singleton_fence();
  CHECK(old_fence.shard == kSingletonLease);
  // Not a shard of the gate.
  CHECK(holder->ownership().owned().count(kSingletonLease) == 0);

  auto observer = must(open_postgres_lease_store(url));
  auto row = singletons_row(*observer);
  REQUIRE(row);
  CHECK(row->owner == holder->ownership().replica_id());
  CHECK(row->token == old_fence.token);

  // Several renewal rounds later it has not moved.
  std::this_thread::sleep_for(1s);
  CHECK(holder->ownership().singleton_fence() == old_fence);
  CHECK_FALSE(other->ownership().singleton_fence());

  auto store = must(open_postgres_store(url));
  must(put_meta_fenced(*store, "singletons.test", "written by the first holder", old_fence));

  holder->ownership().stop_renewing();  // a pause: no renewal, no release
  REQUIRE(eventually([&] { return other->ownership().singleton_fence().has_value(); }));
  const ShardFence new_fence = *other->ownership().singleton_fence();
  CHECK(new_fence.token > old_fence.token);
  CHECK_FALSE(holder->ownership().singleton_fence());

  // The old holder, still believing, is refused: the meta value, pruning.
  Status refused = put_meta_fenced(*store, "singletons.test", "a stale write", old_fence);
  CHECK(refused.code() == StatusCode::kFenced);
  CHECK(cluster::refused_fence(refused) == old_fence);
  CHECK(must(store->get_meta("singletons.test")) == "written by the first holder");
  auto pruned = store->prune_audit(from_unix_ms(1'000), {old_fence});
  CHECK(pruned.status().code() == StatusCode::kFenced);
  must(put_meta_fenced(*store, "singletons.test", "written by the new holder", new_fence));
  CHECK(must(store->get_meta("singletons.test")) == "written by the new holder");
  CHECK(must(store->prune_audit(from_unix_ms(1'000), {new_fence})) == 0);

  other->ownership().release_all();
}

TEST_CASE("a stopping holder hands the singletons' lease over at once", "[replica][postgres]") {
  const std::string url = fresh_database();
  // Long leases: the other replica can only have it by the hand-over.
  const auto timing = must(cluster::make_lease_timing(60s, 12s));
  Replica a(url, "replica-a", timing, true), b(url, "replica-b", timing, true);
  a.ownership().start();
  b.ownership().start();
  Replica* holder = nullptr;
  REQUIRE(eventually([&] { return (holder = settled_holder({&a, &b})) != nullptr; }));
  Replica* other = holder == &a ? &b : &a;
  const ShardFence fence = *holder->ownership().singleton_fence();

  holder->ownership().release_all();  // SIGTERM
  CHECK_FALSE(holder->ownership().singleton_fence());
  auto observer = must(open_postgres_lease_store(url));
  auto row = singletons_row(*observer);
  REQUIRE(row);
  CHECK(row->owner != holder->ownership().replica_id());
  bool handed_over = false;
  for (const auto& change : holder->heard()) {
    if (change.fence == fence && !change.gained) {
      handed_over = change.reason == OwnershipReason::kShutdown;
    }
  }
  CHECK(handed_over);

  // Well before the 60 s lease could have run out.
  REQUIRE(eventually([&] { return other->ownership().singleton_fence().has_value(); }, 40s));
  CHECK(other->ownership().singleton_fence()->token > fence.token);
  other->ownership().release_all();
}

TEST_CASE("the singletons' holder forgets replicas silent for longer than forget_replicas_after",
          "[replica][postgres]") {
  const std::string url = fresh_database();
  auto observer = must(open_postgres_lease_store(url));
  must(observer->heartbeat("gone-yesterday"));
  must(observer->heartbeat("gone-a-minute-ago"));
  {
    pqxx::connection conn(url);
    pqxx::work txn(conn);
    txn.exec0(
        "UPDATE replicas SET heartbeat_at = now() - interval '26 hours' "
        "WHERE id = 'gone-yesterday'");
    txn.exec0(
        "UPDATE replicas SET heartbeat_at = now() - interval '1 minute' "
        "WHERE id = 'gone-a-minute-ago'");
    txn.commit();
  }
  const auto timing = must(cluster::make_lease_timing(3s, 1s));

  // A replica that never holds the singletons' lease leaves the rows alone.
  Replica plain(url, "replica-plain", timing, false);
  plain.ownership().start();
  REQUIRE(eventually([&] { return plain.ownership().owned().size() == kShards; }));
  CHECK(replica_rows(*observer) ==
        std::set<std::string>{"gone-a-minute-ago", "gone-yesterday", "replica-plain"});

  Replica holder(url, "replica-holder", timing, true);
  holder.ownership().start();
  REQUIRE(eventually([&] { return holder.ownership().singleton_fence().has_value(); }));
  CHECK(eventually([&] { return replica_rows(*observer).count("gone-yesterday") == 0; }));
  CHECK(replica_rows(*observer) ==
        std::set<std::string>{"gone-a-minute-ago", "replica-holder", "replica-plain"});
  holder.ownership().release_all();
  plain.ownership().release_all();
}

#endif  // TIERD_HAVE_POSTGRES
