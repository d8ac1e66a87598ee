// The SQLite schema and its versioned migrations.
//
// The schema version lives in the `meta` table under "schema_version". A
// migration step brings the database from version N-1 to N and runs, with the
// version bump, in one transaction: a failing step leaves the database at
// N-1. Steps are listed in order; a new schema version is a new step appended
// to the list in sqlite_schema.cpp, never an edit of a released one.
//
// Called at open, before the store serves any thread.
#pragma once

#include <span>

#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"

namespace tierd::sqlite {

struct Migration {
  int version;      // the schema version after this step
  const char* sql;  // one or more statements
  Status (*backfill)(Connection& db) = nullptr;  // optional; after `sql`
};

// The released migration steps, oldest first; the first is version 1.
std::span<const Migration> schema_migrations();

// The stored schema version: 0 for a database without a `meta` table yet.
// Returns the version or the mapped SQLite error.
Result<int> schema_version(Connection& db);

// Applies every step of `steps` newer than the stored version, each in its own
// transaction. Returns OK when the database is at the last step's version;
// kInternal when the stored version is newer than the last step (a database
// written by a newer tierd); the mapped SQLite error of a failing step
// otherwise (the database then stays at the version before that step).
Status migrate(Connection& db, std::span<const Migration> steps);

}  // namespace tierd::sqlite
