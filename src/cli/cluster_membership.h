// ClusterMembership: what `tierd serve` runs when several replicas share one
// PostgreSQL store (the config's "cluster" section): the lease store, the
// thread that keeps this replica's shards leased (replica/shard_ownership.h),
// and what follows from a change of owner — the metrics, and a callback that
// wakes the engine and the writer and resizes this replica's part of the
// helpdesk's rate budget.
//
// Singletons: work that must run on exactly one replica (the reconciler's
// export, audit and inbox retention, reading the helpdesk's agent
// availability for every replica) runs on the holder of the singletons'
// lease (cluster/lease.h's kSingletonLease): a lease of its own, placed,
// renewed, handed over on shutdown and taken over when its holder dies like
// a shard's, and its writes carry its fence (singleton_fence()).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cluster/lease_store.h"
#include "cluster/shard_gate.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "replica/shard_ownership.h"
#include "runtime/clock.h"

namespace tierd {

class ClusterMembership {
 public:
  // Called on the ownership thread after each change of owner, with the
  // number of shards owned and the shard count.
  using ChangeListener = std::function<void(size_t owned, int shards)>;
  // Called on the ownership thread when this replica gains (true) or loses
  // (false) the singletons' lease.
  using SingletonsListener = std::function<void(bool held)>;

  // The config must have a cluster section and a PostgreSQL store.
  // kUnavailable when the lease store cannot be reached.
  static Result<std::unique_ptr<ClusterMembership>> open(const Config& config,
                                                         const Secrets& secrets, Metrics& metrics,
                                                         const Clock& steady);
  ~ClusterMembership();

  // Set before start().
  void set_listener(ChangeListener listener) { listener_ = std::move(listener); }
  void set_singletons_listener(SingletonsListener listener) {
    singletons_listener_ = std::move(listener);
  }
  void start();
  // For a clean shutdown, after the engine and the writer stopped: every
  // shard is handed over at once.
  void release_all();

  const cluster::ShardGate& gate() const { return *ownership_; }
  const std::string& replica_id() const { return ownership_->replica_id(); }
  // Whether this replica runs the singletons now.
  bool holds_singletons() const { return singleton_fence().has_value(); }
  // What the singletons' writes carry; nullopt while another replica runs them.
  std::optional<cluster::ShardFence> singleton_fence() const {
    return ownership_->singleton_fence();
  }
  // {"replica": id, "shards": [owned...], "shard_count": n, "singletons": held},
  // for /healthz.
  std::string health_json() const;

 private:
  ClusterMembership(std::unique_ptr<cluster::LeaseStore> leases, Metrics& metrics)
      : leases_(std::move(leases)), metrics_(metrics) {}
  void changed(const cluster::OwnershipChange& change);

  std::unique_ptr<cluster::LeaseStore> leases_;
  Metrics& metrics_;
  ChangeListener listener_;
  SingletonsListener singletons_listener_;
  std::unique_ptr<ShardOwnership> ownership_;  // last: its thread calls changed()
};

}  // namespace tierd
