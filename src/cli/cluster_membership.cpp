#include "cli/cluster_membership.h"

#include <nlohmann/json.hpp>

#include "replica/replica_id.h"
#ifdef TIERD_HAVE_POSTGRES
#include "store/postgres/postgres_lease_store.h"
#endif

namespace tierd {

Result<std::unique_ptr<ClusterMembership>> ClusterMembership::open(const Config& config,
                                                                   const Secrets& secrets,
                                                                   Metrics& metrics,
                                                                   const Clock& steady) {
  if (!config.cluster || !config.store.postgres) {
    return Status::InvalidArgument("cluster: needs a \"cluster\" section and store.postgres");
  }
#ifdef TIERD_HAVE_POSTGRES
  auto leases = open_postgres_lease_store(secrets.postgres_url);
  if (!leases.ok()) return leases.status();
  std::unique_ptr<ClusterMembership> membership(
      new ClusterMembership(std::move(leases).value(), metrics));
  ShardOwnershipOptions options;
  options.replica_id = replica_id_or_default(config.cluster->replica_id);
  options.shards = config.cluster->shards;
  options.timing = cluster::default_lease_timing(config.cluster->lease_ttl);
  options.singletons = true;
  ClusterMembership* self = membership.get();
  membership->ownership_ = std::make_unique<ShardOwnership>(
      *membership->leases_, options, steady,
      [self](const cluster::OwnershipChange& change) { self->changed(change); });
  metrics.shards_owned().Set(0);
  metrics.singletons_held().Set(0);
  metrics.shard_acquisitions();
  metrics.shard_losses();
  metrics.fencing_rejections();
  return membership;
#else
  (void)secrets;
  (void)metrics;
  (void)steady;
  return Status::InvalidArgument("cluster: this build has no PostgreSQL support");
#endif
}

ClusterMembership::~ClusterMembership() = default;

void ClusterMembership::start() {
  ownership_->start();
}

void ClusterMembership::release_all() {
  ownership_->release_all();
}

void ClusterMembership::changed(const cluster::OwnershipChange& change) {
  if (change.fence.shard == cluster::kSingletonLease) {
    metrics_.singletons_held().Set(change.gained ? 1 : 0);
    if (singletons_listener_) singletons_listener_(change.gained);
    return;
  }
  (change.gained ? metrics_.shard_acquisitions() : metrics_.shard_losses()).Increment();
  const size_t owned = ownership_->owned().size();
  metrics_.shards_owned().Set(static_cast<double>(owned));
  if (listener_) listener_(owned, ownership_->shards());
}

std::string ClusterMembership::health_json() const {
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& entry : ownership_->owned()) shards.push_back(entry.first);
  return nlohmann::json{{"replica", replica_id()},
                        {"shards", shards},
                        {"shard_count", ownership_->shards()},
                        {"singletons", holds_singletons()}}
      .dump();
}

}  // namespace tierd
