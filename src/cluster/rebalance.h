// Which shards a replica should take and which it should give up, given who
// is alive and who holds what: one round of rebalancing, decided by a pure
// function so that every replica, looking at the same lease table, reaches
// the same verdict about itself.
//
// Rules, for `live` replicas (the caller among them) and `shards` shards:
//   fair share  ceil(shards / live): no replica needs more.
//   free        a shard without a lease, released, or whose lease expired
//               (expires_at <= now). A live lease of a replica that stopped
//               heartbeating is not free: it lapses by itself.
//   acquire     a replica below its share asks for free shards, up to its
//               share. It prefers its "home" shards (shard % live == its
//               index among the sorted live ids), so replicas starting
//               together mostly ask for different shards; the lease store
//               settles any remaining race.
//   release     a replica above its share gives up shards only while another
//               live replica is below its share; at most `max_releases` per
//               round, so the others take them before more are given away.
//   no flapping a replica at or below its share never releases, and a
//               replica at its share never acquires: once every replica is at
//               most at its share and no shard is free, every plan is empty.
//
// With `singletons`, the singletons' lease (kSingletonLease, lease.h) is one
// more unit, as if it were shard number `shards`: it counts towards the fair
// share of ceil((shards + 1) / live) and appears in the plan as
// kSingletonLease. Two rules differ, so that the work it stands for never
// waits long for a replica to take it:
//   first       every replica prefers it to any shard: asked for first, and
//               never among the units a replica above its share gives up
//               (it keeps at least its share, and this one comes first);
//   always      when free it is asked for even by a replica at or above its
//               share (a replica that shut down counts as live until its
//               heartbeat ages out, and its hand-over must not wait for
//               that); the lease store lets one replica have it.
// Held by a live replica it is not free, so nobody asks for it: it stays
// where it is until its holder dies or stops.
#pragma once

#include <string>
#include <vector>

#include "cluster/lease.h"
#include "core/time.h"

namespace tierd::cluster {

struct RebalanceInput {
  std::string self;                // the replica planning
  std::vector<std::string> live;   // live replica ids; `self` counts as live even if absent
  std::vector<ShardLease> leases;  // the lease table; shards without a row are free
  Instant now{};                   // on the clock of expires_at (the lease store's)
  int shards = 0;                  // shard count, >= 1; leases of other shards are ignored
  int max_releases = 2;            // releases per round, >= 1
  bool singletons = false;         // also place the singletons' lease (see above)
};

struct RebalancePlan {
  int fair_share = 0;        // in units: shards, plus the singletons' lease when placed
  std::vector<int> acquire;  // free shards to ask for, most preferred first
  std::vector<int> release;  // held shards to give up
  friend bool operator==(const RebalancePlan&, const RebalancePlan&) = default;
};

// ceil(shards / live_replicas); 0 when either is < 1.
int fair_share(int shards, int live_replicas);

RebalancePlan plan_rebalance(const RebalanceInput& input);

}  // namespace tierd::cluster
