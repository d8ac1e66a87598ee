// ShardOwnership: the thread that keeps this replica's share of the shards
// leased, for replicas sharing one PostgreSQL store (cluster/lease_store.h).
//
// Every round (ttl / 6 apart, or sooner when a tenure's renewal or end is
// due) it heartbeats the replica's row, renews the held leases whose renewal
// is due, drops the ones whose renewal did not succeed in time (by this
// process's steady clock, before the lease itself runs out: lease_timing.h),
// reads the live replicas and the lease table, and acquires or releases
// shards per plan_rebalance() (cluster/shard_owner.h decides; this class
// only does the I/O). A lease store error is logged and the round goes on:
// the clock, not the error, decides when a shard is given up.
//
// With `singletons`, the singletons' lease (kSingletonLease, cluster/lease.h)
// is kept like one more shard: placed by the same plan, renewed, dropped by
// the same clock, handed back by release_all(). It is not a shard of the
// gate: owned() leaves it out, and singleton_fence() answers for it.
//
// Every change of owner is one log line (event=shard_owner_changed, with
// replica, shard, token, gained|lost and the reason; for the singletons'
// lease event=singletons_owner_changed, without a shard) and one call of the
// listener, on the ownership thread, after the change is visible through
// owned() and may_act(): a gained shard may be acted on from then, a lost
// one no longer. The listener must not call back into this object's
// start(), release_all() or stop_renewing().
//
// Threads: start(), release_all() and stop_renewing() from the owner;
// owned(), may_act() and replica_id() from any thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cluster/lease_store.h"
#include "cluster/lease_timing.h"
#include "cluster/shard_gate.h"
#include "cluster/shard_owner.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"

namespace tierd {

struct ShardOwnershipOptions {
  std::string replica_id;  // non-empty, unique among the replicas
  int shards = 64;         // the same on every replica
  cluster::LeaseTiming timing = cluster::default_lease_timing(std::chrono::seconds(10));
  int max_releases = 2;     // per round, see cluster/rebalance.h
  bool singletons = false;  // also hold the singletons' lease when placed here
  // The singletons' holder removes the rows of replicas silent this long
  // (LeaseStore::forget_replicas), looking once per forget_check.
  Duration forget_replicas_after = std::chrono::hours(24);
  Duration forget_check = std::chrono::hours(1);
};

using OwnershipListener = std::function<void(const cluster::OwnershipChange&)>;

class ShardOwnership : public cluster::ShardGate {
 public:
  // `store` and `steady` outlive this object; `steady` runs at the rate of
  // real time (a SteadyClock, or a test's clock that does).
  ShardOwnership(cluster::LeaseStore& store, ShardOwnershipOptions options, const Clock& steady,
                 OwnershipListener listener = {});
  ~ShardOwnership() override;  // stop_renewing(): a destroyed owner's leases lapse by themselves
  ShardOwnership(const ShardOwnership&) = delete;
  ShardOwnership& operator=(const ShardOwnership&) = delete;

  void start();
  // Stops the thread and gives every held shard back, so the other replicas
  // take them over on their next round instead of after the leases expire.
  // The shards are dropped here (listener called) before the lease store
  // hears of it. For a clean shutdown (SIGTERM).
  void release_all();
  // Stops the thread without giving anything back: the held shards stay
  // owned until their act_until passes, then may_act() turns false and
  // owned() leaves them out, and the leases lapse in the store. What a
  // replica that stops renewing (a pause, a partition) looks like to others.
  void stop_renewing();

  const std::string& replica_id() const { return options_.replica_id; }
  int shards() const override { return options_.shards; }
  // The shards this replica may act on now, with their fencing tokens (never
  // the singletons' lease).
  std::map<int, cluster::LeaseToken> owned() const override EXCLUDES(mutex_);
  // The fence of the singletons' lease while this replica may act on it;
  // nullopt otherwise (another replica's, or not renewed in time).
  std::optional<cluster::ShardFence> singleton_fence() const EXCLUDES(mutex_);
  // Held, and its renewal good for acting on by this process's clock now.
  bool may_act(int shard) const override EXCLUDES(mutex_);

 private:
  void loop();
  void round();
  void renew_due();
  void rebalance();
  // The singletons' holder, once per forget_check: LeaseStore::forget_replicas.
  void forget_silent_replicas();
  void announce(const cluster::OwnershipChange& change) const;
  Duration tick() const;

  cluster::LeaseStore& store_;
  const ShardOwnershipOptions options_;
  const Clock& clock_;
  OwnershipListener listener_;
  mutable Mutex mutex_;
  cluster::ShardOwner owner_ GUARDED_BY(mutex_);
  Instant next_forget_{};  // the ownership thread only
  WorkerThread worker_;
};

}  // namespace tierd
