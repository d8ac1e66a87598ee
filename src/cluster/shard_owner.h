// ShardOwner: what one replica knows about the shards it holds, and what it
// decides to do about them, without doing any of it. The ownership loop
// (replica/shard_ownership.h) feeds it the lease store's answers and the
// replica's steady clock; every decision here is a pure function of those.
//
// A round, in the loop's order:
//   1. renewals_due(now): the held shards whose renewal is due (ttl / 3
//      after the last acquire or renew request); each answer goes to
//      renewed() (kRenewed extends the tenure, kLost ends it).
//   2. expire(now): the held shards whose renewal did not succeed in time
//      (lease_timing.h's act_until) are dropped, before the lease store's
//      lease runs out, so a new owner never overlaps an old one that is
//      still acting.
//   3. plan(table, live): plan_rebalance() (rebalance.h) on the lease table,
//      for this replica. A row the table shows as this replica's but that it
//      does not hold (it dropped it in step 2, or a predecessor under the
//      same id left it) counts as free: try_acquire() grants it again, with a
//      new token, and it must not count towards this replica's share.
//   4. acquired() / released() record what the lease store did with the plan.
//
// Every change of owner comes back as an OwnershipChange, for the log line
// and the gain/loss callback. Not thread-safe: the loop owns it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/lease.h"
#include "cluster/lease_store.h"
#include "cluster/lease_timing.h"
#include "cluster/rebalance.h"
#include "core/time.h"

namespace tierd::cluster {

// Why a replica gained or lost a shard.
enum class OwnershipReason {
  kAcquired,   // gained: try_acquire() granted it
  kRebalance,  // lost: released because this replica held more than its share
  kTakenOver,  // lost: renew() said another replica acquired it
  kExpired,    // lost: no renewal succeeded in time; stopped acting by own clock
  kShutdown,   // lost: released because the replica is stopping
};
const char* ownership_reason_name(OwnershipReason reason);

struct OwnershipChange {
  bool gained = false;  // false: lost
  ShardFence fence;     // the shard and the token of the tenure that began or ended
  OwnershipReason reason = OwnershipReason::kAcquired;
  friend bool operator==(const OwnershipChange&, const OwnershipChange&) = default;
};

class ShardOwner {
 public:
  // `self`: this replica's id; `shards`: the shard count (>= 1);
  // `singletons`: also hold the singletons' lease when the plan gives it to
  // this replica (kSingletonLease, lease.h; a unit like any shard here).
  ShardOwner(std::string self, int shards, LeaseTiming timing, bool singletons = false);

  const std::string& self() const { return self_; }
  int shards() const { return shards_; }
  const LeaseTiming& timing() const { return timing_; }

  // Shard -> token of every held shard, in shard order (the singletons'
  // lease, when held, first: kSingletonLease is negative).
  std::map<int, LeaseToken> owned() const;
  // Held, and its act_until not reached at `now`.
  bool may_act(int shard, Instant now) const;
  // The earliest act_until and renew_at over the held shards, for the loop's
  // next wake-up; nullopt when nothing is held.
  std::optional<Instant> next_deadline() const;

  std::vector<ShardFence> renewals_due(Instant now) const;
  // The answer to a renew request for `fence` sent at `requested_at`. An
  // answer for a tenure no longer held (dropped meanwhile) changes nothing.
  std::optional<OwnershipChange> renewed(const ShardFence& fence, Instant requested_at,
                                         RenewOutcome outcome);
  std::vector<OwnershipChange> expire(Instant now);

  // plan_rebalance() for this replica; `table.now` is the lease store's.
  RebalancePlan plan(const LeaseTable& table, const std::vector<std::string>& live,
                     int max_releases = 2) const;
  // try_acquire() sent at `requested_at` granted `fence`. A grant for a shard
  // already held replaces the tenure (the old token is dead): one loss and one
  // gain, in that order.
  std::vector<OwnershipChange> acquired(const ShardFence& fence, Instant requested_at);
  // The shard was given up with `reason` (kRebalance or kShutdown); nullopt
  // when it was not held.
  std::optional<OwnershipChange> released(int shard, OwnershipReason reason);
  // Every held shard, in shard order, for release on shutdown.
  std::vector<ShardFence> held() const;

 private:
  std::string self_;
  int shards_;
  LeaseTiming timing_;
  bool singletons_;
  std::map<int, HeldLease> held_;
};

}  // namespace tierd::cluster
