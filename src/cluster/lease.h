// The plain values of shard ownership, shared by the rebalancing plan
// (rebalance.h), the lease store (lease_store.h) and the Store's fenced
// writes (store/store.h).
//
// Work is sharded by ticket id (shard_map.h). A replica may act on a shard
// only while it holds the shard's lease; each tenure of a lease carries a
// fencing token, and every write a replica makes on the shard's behalf carries
// the shard and that token (a ShardFence). The store refuses a write whose
// token is no longer the shard's current one, so a replica that lost its lease
// without noticing (a long pause, a partition) cannot overwrite what the new
// owner did.
#pragma once

#include <cstdint>
#include <string>

#include "core/time.h"

namespace tierd::cluster {

// The singletons' lease: work that must run on exactly one replica (the
// reconciler's export, retention pruning, reading the helpdesk's agent
// availability) runs on the replica that holds it. It is a row of its own in
// the lease table, apart from every shard, with tokens from the same
// sequence; its writes carry ShardFence{kSingletonLease, token}. The
// rebalancing treats it as one more unit of work (rebalance.h).
inline constexpr int kSingletonLease = -1;

// A fencing token: issued by the lease store on every acquisition, strictly
// greater than every token issued before it (for any shard).
using LeaseToken = int64_t;

// What a write carries to prove that its replica still holds the shard.
struct ShardFence {
  int shard = 0;
  LeaseToken token = 0;
  friend bool operator==(const ShardFence&, const ShardFence&) = default;
};

// One shard's lease as stored. An empty owner means released: the shard is
// free, and the token of the last tenure stays with the row.
struct ShardLease {
  int shard = 0;
  std::string owner;
  LeaseToken token = 0;
  Instant expires_at{};  // on the lease store's clock (the database's), not a replica's
};

}  // namespace tierd::cluster
