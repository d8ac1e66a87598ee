// The stores the conformance tests run against: the SQLite store (a real file
// in a TempDir) and the PostgreSQL store (a fresh database on the server the
// test run starts once), each reopenable on the same data.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "support/must.h"
#include "support/process_harness.h"
#ifdef TIERD_HAVE_POSTGRES
#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store.h"
#include "support/postgres_server.h"
#endif

namespace tierd::testing {

// Where a store's data lives; open() may be called again to reopen it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<Store> open() = 0;
  // The schema version open() leaves the store at (each backend counts its own).
  virtual int schema_version() const = 0;
};

class SqliteBackend : public Backend {
 public:
  std::unique_ptr<Store> open() override {
    return must(open_sqlite_store({.path = dir_.file("var/tierd.db")}));
  }
  int schema_version() const override { return sqlite::schema_migrations().back().version; }

 private:
  TempDir dir_;
};

#ifdef TIERD_HAVE_POSTGRES
class PostgresBackend : public Backend {
 public:
  PostgresBackend() {
    static std::atomic<int> next{0};
    url_ = PostgresServer::shared().create_database("conformance_" + std::to_string(++next));
  }
  std::unique_ptr<Store> open() override { return must(open_postgres_store(url_)); }
  int schema_version() const override { return postgres::schema_migrations().back().version; }

 private:
  std::string url_;
};
#endif

inline std::vector<std::string> backend_names() {
#ifdef TIERD_HAVE_POSTGRES
  return {"sqlite", "postgres"};
#else
  return {"sqlite"};
#endif
}

inline std::unique_ptr<Backend> make_backend(const std::string& name) {
#ifdef TIERD_HAVE_POSTGRES
  if (name == "postgres") return std::make_unique<PostgresBackend>();
#endif
  return std::make_unique<SqliteBackend>();
}

}  // namespace tierd::testing
