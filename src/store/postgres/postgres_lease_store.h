// The lease store (cluster/lease_store.h) over PostgreSQL: the `replicas` and
// `shard_leases` tables of the shared store's database (schema version 3,
// postgres_schema.cpp), against which the PostgreSQL Store checks the fences
// of its writes.
//
// It has a connection of its own (postgres_connection.h, the same handling as
// the Store's), so that heartbeats and renewals never queue behind a long
// commit or listing of the Store: a renewal that waited there could let a
// healthy replica's lease lapse. A renewal does wait, briefly, for the Store's
// commits in flight on the same shard, which hold its lease row share-locked.
#pragma once

#include <memory>
#include <string>

#include "cluster/lease_store.h"
#include "core/status.h"

namespace tierd {

// `connection_url` as for open_postgres_store(); the schema is migrated here
// too, so either may be opened first. kUnavailable when the server cannot be
// reached, kInternal when the schema is newer than this build.
Result<std::unique_ptr<cluster::LeaseStore>> open_postgres_lease_store(
    const std::string& connection_url);

}  // namespace tierd
