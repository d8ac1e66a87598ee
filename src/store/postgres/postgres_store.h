// The shared Store: PostgreSQL through libpqxx, for running several tierd
// replicas against one database.
//
// Same schema and semantics as the SQLite store (sqlite_store.h), with
// BIGSERIAL ids, BYTEA raw bodies and versioned migrations (postgres_schema.h)
// applied at open under an advisory lock, so replicas starting together do not
// race. One connection guarded by a mutex serves every call, each as one
// transaction (postgres_connection.h): when it breaks, the call in progress
// returns kUnavailable and the next call reconnects. Errors: connection loss,
// serialization failures, deadlocks and resource shortages are kUnavailable;
// a duplicate outbox idempotency key is kAlreadyExists; a commit whose outcome
// the server never confirmed is kDeadlineExceeded; a write whose ShardFence no
// longer holds is kFenced (store.h, Fencing; the leases are those of
// postgres_lease_store.h); anything else kInternal. No exception leaves this
// module.
//
// The for_each_* methods read in pages and call `fn` without holding the
// connection, so a callback may call back into the store; a long listing is
// therefore not one snapshot (rows changed meanwhile may or may not appear).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace tierd {

// `connection_url`: a libpq URI or key=value string
// ("postgresql://tierd@127.0.0.1:5432/tierd"). Returns the open store on
// success; kUnavailable when the server cannot be reached (the message never
// repeats the URL, which may hold a password); kInternal when the schema is
// newer than this build or a migration fails. Read-only (StoreAccess), the
// schema is checked instead of migrated: kNotFound when the database holds
// none, kInternal for another version; every transaction is READ ONLY.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& connection_url,
                                                   StoreAccess access = StoreAccess::kReadWrite);

}  // namespace tierd
