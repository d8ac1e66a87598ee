// The PostgreSQL schema and its versioned migrations, mirroring
// sqlite_schema.h: `meta.schema_version` holds the version; each step runs with
// its version bump in one transaction, under a transaction-scoped advisory lock
// so that replicas opening the same database at once apply each step once.
//
// Called at open, on the opening thread, before the store serves anyone.
// Throws pqxx exceptions; the caller (postgres_store.cpp) maps them.
#pragma once

#include <pqxx/pqxx>

#include <span>

namespace tierd::postgres {

struct Migration {
  int version;      // the schema version after this step
  const char* sql;  // one or more statements
  // Optional: derives new columns from the data already stored; runs after
  // `sql`, in the step's transaction.
  void (*backfill)(pqxx::work& txn) = nullptr;
};

// The released steps, oldest first; the first is version 1.
std::span<const Migration> schema_migrations();

// The stored version: 0 when the database has no `meta` table yet.
int schema_version(pqxx::transaction_base& txn);

// Applies the steps newer than the stored version. Returns an empty string on
// success, or why the database cannot be used (its version is newer than the
// last step). Throws pqxx exceptions for SQL failures; a failing step leaves the
// database at the version before it.
std::string migrate(pqxx::connection_base& conn, std::span<const Migration> steps);

}  // namespace tierd::postgres
