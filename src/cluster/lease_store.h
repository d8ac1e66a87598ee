// LeaseStore: where replicas announce themselves and lease shards, shared by
// every replica of one deployment. Implemented over PostgreSQL beside the
// shared Store (store/postgres/postgres_lease_store.h); the embedded SQLite
// store serves a single process and has none.
//
// Clocks: every time here is the database's (its now()): heartbeats, expiry,
// and the `now` returned with the lease table. Replicas compare nothing with
// their own wall clocks, so their skew does not matter. A holder that needs
// to know how long it may still act counts on its own monotonic clock from
// the moment it sent its request (lease_timing.h).
//
// Tokens: every successful try_acquire() issues a new token, greater than any
// issued before for any shard, also when the shard was already the caller's:
// a restarted process under the same replica id thereby fences off whatever
// its predecessor still had in flight. renew() keeps the token; release()
// keeps it on the row with no owner.
//
// Fencing: a Store write carrying a ShardFence (store/store.h) is refused
// unless the shard's row still holds that token with an owner. A lease that
// expired but was not acquired by anyone since still admits its holder's
// writes: the write's transaction locks the lease row (FOR SHARE), so an
// acquisition waits for it and the new owner then sees it.
//
// Every method that takes a shard also takes kSingletonLease (lease.h).
//
// Errors: kInvalidArgument for a negative shard other than kSingletonLease, an empty replica id or
// a ttl below 1 ms; kUnavailable for a transient failure (connection lost, retry); kInternal
// otherwise. Every method is one transaction and may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/lease.h"
#include "core/status.h"
#include "core/time.h"

namespace tierd::cluster {

// The lease table and the database's time it was read at.
struct LeaseTable {
  Instant now{};
  std::vector<ShardLease> leases;  // in shard order; shards never leased have no row
};

// Every replica that ever heartbeat, and the database's time it was read at.
struct ReplicaHeartbeat {
  std::string id;
  Instant heartbeat_at{};  // its last heartbeat, on the lease store's clock
};
struct ReplicaTable {
  Instant now{};
  std::vector<ReplicaHeartbeat> replicas;  // sorted by id (byte order)
};

enum class RenewOutcome { kRenewed, kLost };

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Records that `replica` is alive now (first call: registers it).
  virtual Status heartbeat(const std::string& replica) = 0;
  // The replicas whose last heartbeat is at most `max_silence` old, sorted by
  // id (byte order, the same on every replica).
  virtual Result<std::vector<std::string>> live_replicas(Duration max_silence) = 0;
  virtual Result<LeaseTable> leases() = 0;
  // Every replica row with its last heartbeat, live or not (for an admin's
  // view; the rebalancing reads live_replicas()).
  virtual Result<ReplicaTable> replicas() = 0;
  // Removes the rows of replicas silent for longer than `silent_for` (gone
  // for good: a replaced host, a pod with a generated id), so the table and
  // `tierd cluster status` do not grow with every replica that ever ran.
  // Returns how many rows went.
  virtual Result<int64_t> forget_replicas(Duration silent_for) = 0;

  // Takes the lease of `shard` for `ttl` if it is free: never leased,
  // released, expired, or already `replica`'s. Returns the new token, or
  // nullopt when another replica holds a lease that has not expired.
  virtual Result<std::optional<LeaseToken>> try_acquire(int shard, const std::string& replica,
                                                        Duration ttl) = 0;
  // Extends the lease to now + `ttl` if `replica` still holds it with
  // `token` (even if it expired meanwhile, as long as nobody acquired it);
  // kLost otherwise, and then the holder must stop acting on the shard.
  virtual Result<RenewOutcome> renew(int shard, const std::string& replica, LeaseToken token,
                                     Duration ttl) = 0;
  // Gives the lease up if `replica` still holds it with `token`; otherwise
  // there is nothing to give up and nothing changes. Either way OK.
  virtual Status release(int shard, const std::string& replica, LeaseToken token) = 0;
};

}  // namespace tierd::cluster
