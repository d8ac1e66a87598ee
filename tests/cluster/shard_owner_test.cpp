#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "cluster/shard_owner.h"

using namespace tierd;
using namespace tierd::cluster;
using namespace std::chrono_literals;

namespace {

// A steady-clock reading; its epoch means nothing.
Instant steady(Duration since_boot) {
  return Instant(since_boot);
}

// The lease store's clock, unrelated to the replica's steady clock.
Instant db(Duration d) {
  return Instant(std::chrono::hours(24 * 365 * 50) + d);
}

const LeaseTiming kTiming = default_lease_timing(15s);  // renew every 5s, act for 12s

ShardLease lease(int shard, std::string owner, LeaseToken token, Instant expires_at = db(15s)) {
  return ShardLease{shard, std::move(owner), token, expires_at};
}

}  // namespace

TEST_CASE("a granted shard is owned and may be acted on until ttl minus margin", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  CHECK(owner.owned().empty());
  CHECK_FALSE(owner.next_deadline());

  auto changes = owner.acquired({2, 40}, steady(100s));
  REQUIRE(changes.size() == 1);
  CHECK(changes[0] == OwnershipChange{true, {2, 40}, OwnershipReason::kAcquired});
  CHECK(owner.owned() == std::map<int, LeaseToken>{{2, 40}});
  CHECK(owner.may_act(2, steady(111999ms)));
  CHECK_FALSE(owner.may_act(2, steady(112s)));
  CHECK_FALSE(owner.may_act(1, steady(100s)));
  CHECK(owner.next_deadline() == steady(105s));
  // The same grant again (a duplicate answer) changes nothing.
  CHECK(owner.acquired({2, 40}, steady(101s)).empty());
}

TEST_CASE("renewals are due every ttl / 3 and extend the tenure from their request", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  owner.acquired({0, 1}, steady(0s));
  owner.acquired({1, 2}, steady(2s));
  CHECK(owner.renewals_due(steady(4999ms)).empty());
  CHECK(owner.renewals_due(steady(5s)) == std::vector<ShardFence>{{0, 1}});
  CHECK(owner.renewals_due(steady(7s)) == std::vector<ShardFence>{{0, 1}, {1, 2}});

  CHECK_FALSE(owner.renewed({0, 1}, steady(5s), RenewOutcome::kRenewed));
  CHECK(owner.may_act(0, steady(16999ms)));
  CHECK_FALSE(owner.may_act(0, steady(17s)));
  CHECK(owner.renewals_due(steady(9999ms)) == std::vector<ShardFence>{{1, 2}});
}

TEST_CASE("a lost renewal ends the tenure, a stale answer changes nothing", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  owner.acquired({3, 7}, steady(0s));
  // An answer about an older tenure of the shard.
  CHECK_FALSE(owner.renewed({3, 6}, steady(5s), RenewOutcome::kLost));
  CHECK(owner.owned().count(3) == 1);
  auto lost = owner.renewed({3, 7}, steady(5s), RenewOutcome::kLost);
  REQUIRE(lost);
  CHECK(*lost == OwnershipChange{false, {3, 7}, OwnershipReason::kTakenOver});
  CHECK(owner.owned().empty());
  CHECK_FALSE(owner.may_act(3, steady(5s)));
}

TEST_CASE("a holder whose renewals fail stops acting by its own clock, before the lease ends",
          "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  owner.acquired({0, 1}, steady(0s));
  owner.acquired({1, 2}, steady(3s));
  // Renewals at 5s and 10s go unanswered (the store is unreachable).
  CHECK(owner.expire(steady(11999ms)).empty());
  CHECK(owner.may_act(0, steady(11999ms)));
  auto lost = owner.expire(steady(12s));
  CHECK(lost == std::vector<OwnershipChange>{{false, {0, 1}, OwnershipReason::kExpired}});
  CHECK_FALSE(owner.may_act(0, steady(12s)));
  CHECK(owner.may_act(1, steady(12s)));
  // Past act_until no renewal is asked for: the shard is no longer held.
  CHECK(owner.renewals_due(steady(12s)) == std::vector<ShardFence>{{1, 2}});
  CHECK(owner.expire(steady(15s)) ==
        std::vector<OwnershipChange>{{false, {1, 2}, OwnershipReason::kExpired}});
  CHECK(owner.owned().empty());
}

TEST_CASE("a late renewal answer after expiry does not revive the shard", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  owner.acquired({0, 1}, steady(0s));
  owner.expire(steady(13s));
  CHECK_FALSE(owner.renewed({0, 1}, steady(5s), RenewOutcome::kRenewed));
  CHECK(owner.owned().empty());
}

TEST_CASE("the plan counts a row of this replica it does not hold as free", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  owner.acquired({0, 10}, steady(0s));
  LeaseTable table;
  table.now = db(1s);
  // Shard 1: a predecessor under the same id left it; shard 2: b's, live.
  table.leases = {lease(0, "a", 10), lease(1, "a", 5), lease(2, "b", 11)};
  RebalancePlan plan = owner.plan(table, {"a", "b"});
  CHECK(plan.fair_share == 2);
  CHECK(plan.acquire == std::vector<int>{1});
  CHECK(plan.release.empty());
}

TEST_CASE("the plan releases above the share while another replica is below it", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  LeaseTable table;
  table.now = db(1s);
  for (int shard = 0; shard < 4; ++shard) {
    owner.acquired({shard, shard + 1}, steady(0s));
    table.leases.push_back(lease(shard, "a", shard + 1));
  }
  CHECK(owner.plan(table, {"a"}).release.empty());
  RebalancePlan plan = owner.plan(table, {"a", "b"});
  CHECK(plan.fair_share == 2);
  CHECK(plan.release.size() == 2);
  CHECK(plan.acquire.empty());

  for (int shard : plan.release) {
    auto change = owner.released(shard, OwnershipReason::kRebalance);
    REQUIRE(change);
    CHECK_FALSE(change->gained);
    CHECK(change->reason == OwnershipReason::kRebalance);
  }
  CHECK(owner.owned().size() == 2);
  CHECK_FALSE(owner.released(plan.release[0], OwnershipReason::kRebalance));
}

TEST_CASE("a new grant of a held shard replaces the tenure", "[cluster]") {
  ShardOwner owner("a", 4, kTiming);
  owner.acquired({1, 3}, steady(0s));
  auto changes = owner.acquired({1, 9}, steady(4s));
  CHECK(changes == std::vector<OwnershipChange>{{false, {1, 3}, OwnershipReason::kTakenOver},
                                                {true, {1, 9}, OwnershipReason::kAcquired}});
  CHECK(owner.owned() == std::map<int, LeaseToken>{{1, 9}});
  CHECK(owner.may_act(1, steady(15s)));
}

TEST_CASE("held() lists every tenure for release on shutdown", "[cluster]") {
  ShardOwner owner("a", 8, kTiming);
  owner.acquired({5, 2}, steady(0s));
  owner.acquired({1, 3}, steady(0s));
  CHECK(owner.held() == std::vector<ShardFence>{{1, 3}, {5, 2}});
  CHECK(std::string(ownership_reason_name(OwnershipReason::kShutdown)) == "shutdown");
}

TEST_CASE("an owner with singletons plans, holds and drops their lease like a shard", "[cluster]") {
  ShardOwner owner("a", 2, kTiming, /*singletons=*/true);
  LeaseTable table;
  table.now = db(0s);
  CHECK(owner.plan(table, {"a"}).acquire == std::vector<int>{kSingletonLease, 0, 1});

  owner.acquired({kSingletonLease, 7}, steady(0s));
  CHECK(owner.may_act(kSingletonLease, steady(11s)));
  CHECK(owner.renewals_due(steady(5s)) == std::vector<ShardFence>{{kSingletonLease, 7}});
  // Held: its row counts as this replica's, and the plan asks only for the shards.
  table.leases = {lease(kSingletonLease, "a", 7)};
  CHECK(owner.plan(table, {"a"}).acquire == std::vector<int>{0, 1});

  // No renewal: it stops acting by its own clock.
  CHECK(owner.expire(steady(12s)) ==
        std::vector<OwnershipChange>{{false, {kSingletonLease, 7}, OwnershipReason::kExpired}});
  CHECK_FALSE(owner.may_act(kSingletonLease, steady(12s)));
}

TEST_CASE("an owner without singletons never asks for their lease", "[cluster]") {
  ShardOwner owner("a", 2, kTiming);
  LeaseTable table;
  table.now = db(0s);
  CHECK(owner.plan(table, {"a"}).acquire == std::vector<int>{0, 1});
}
