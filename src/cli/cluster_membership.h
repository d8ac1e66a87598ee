// ClusterMembership: what `tierd serve` runs when several replicas share one
// PostgreSQL store (the config's "cluster" section): the lease store, the
// thread that keeps this replica's shards leased (replica/shard_ownership.h),
// and what follows from a change of owner — the metrics, and a callback that
// wakes the engine and the writer and resizes this replica's part of the
// helpdesk's rate budget.
//
// Singletons: work that must run on exactly one replica (the reconciler's
// export, audit and inbox retention) runs on the holder of shard 0. That
// lease moves with everything else when its holder dies, and is fenced the
// same way, so it needs no lease of its own.
#pragma once

#include <functional>
#include <memory>
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

  // The config must have a cluster section and a PostgreSQL store.
  // kUnavailable when the lease store cannot be reached.
  static Result<std::unique_ptr<ClusterMembership>> open(const Config& config,
                                                         const Secrets& secrets, Metrics& metrics,
                                                         const Clock& steady);
  ~ClusterMembership();

  // Set before start().
  void set_listener(ChangeListener listener) { listener_ = std::move(listener); }
  void start();
  // For a clean shutdown, after the engine and the writer stopped: every
  // shard is handed over at once.
  void release_all();

  const cluster::ShardGate& gate() const { return *ownership_; }
  const std::string& replica_id() const { return ownership_->replica_id(); }
  // Whether this replica runs the singletons now.
  bool holds_singletons() const { return ownership_->may_act(kSingletonShard); }
  // {"replica": id, "shards": [owned...], "shard_count": n}, for /healthz.
  std::string health_json() const;

 private:
  static constexpr int kSingletonShard = 0;
  ClusterMembership(std::unique_ptr<cluster::LeaseStore> leases, Metrics& metrics)
      : leases_(std::move(leases)), metrics_(metrics) {}
  void changed(const cluster::OwnershipChange& change);

  std::unique_ptr<cluster::LeaseStore> leases_;
  Metrics& metrics_;
  ChangeListener listener_;
  std::unique_ptr<ShardOwnership> ownership_;  // last: its thread calls changed()
};

}  // namespace tierd
