// The text of `tierd cluster status`: who is alive, who holds which shard,
// and a one-line summary, from one read of the lease store. Pure, so the
// layout is tested without a database.
//
//   replicas (live: a heartbeat within 10s):
//     replica-a  heartbeat 1.2s ago  live
//     replica-b  heartbeat 45.0s ago  not live
//   shards (4):
//     0  replica-a  token 17  expires in 8.1s
//     1  -  free (released, last token 12)
//     2  -  free (never leased)
//     3  replica-b  token 9  free (expired 3.2s ago)
//   singletons: replica-b  token 21  expires in 9.4s
//   summary: replica-a 1 shard; 3 unowned
//
// The singletons' line is the lease of the work that runs on one replica
// (cluster/lease.h's kSingletonLease); the summary counts shards only.
// A shard is owned while its lease has an owner and has not expired. Every
// time is the lease store's (the database's), never this machine's.
#pragma once

#include <string>

#include "cluster/lease_store.h"
#include "core/time.h"

namespace tierd {

// `live_within`: the silence after which a replica no longer counts as live
// (the config's lease_ttl, as the replicas themselves use).
std::string format_cluster_status(const cluster::ReplicaTable& replicas,
                                  const cluster::LeaseTable& leases, int shards,
                                  Duration live_within);

}  // namespace tierd
