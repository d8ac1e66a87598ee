// The stores tests run against: the SQLite store (a real file in a TempDir)
// and the PostgreSQL store (a fresh database on the server the test binary
// starts once, PostgresServer::shared()), each reopenable on the same data.
//
// The store conformance tests (tests/store) run every case on each backend.
// The engine and end-to-end tests run on the one test_store_name() picks:
// SQLite unless the environment says TIERD_TEST_STORE=postgres, which is how
// tests/CMakeLists.txt registers them a second time ("pg:" before the name).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/process_harness.h"

namespace tierd::testing {

// Where a store's data lives; open() may be called again to reopen it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<Store> open() = 0;
  // The schema version open() leaves the store at (each backend counts its own).
  virtual int schema_version() const = 0;
  // The rows of a query both SQL dialects read alike, each column as text
  // (NULL as ""), over a connection of its own: what a test checks beside
  // the Store interface.
  virtual std::vector<std::vector<std::string>> rows(const std::string& sql) const = 0;
};

class SqliteBackend : public Backend {
 public:
  std::unique_ptr<Store> open() override;
  int schema_version() const override;
  std::vector<std::vector<std::string>> rows(const std::string& sql) const override;
  std::string path() const { return dir_.file("var/tierd.db"); }

 private:
  TempDir dir_;
};

#ifdef TIERD_HAVE_POSTGRES
class PostgresBackend : public Backend {
 public:
  PostgresBackend();  // creates the database
  std::unique_ptr<Store> open() override;
  int schema_version() const override;
  std::vector<std::vector<std::string>> rows(const std::string& sql) const override;
  const std::string& url() const { return url_; }

 private:
  std::string url_;
};
#endif

// "sqlite", and "postgres" in a build with PostgreSQL support.
std::vector<std::string> backend_names();
std::unique_ptr<Backend> make_backend(const std::string& name);

// The store the engine and end-to-end tests run on: "postgres" when
// TIERD_TEST_STORE says so, "sqlite" when it is unset or says "sqlite".
// Throws std::runtime_error for any other value, or for "postgres" in a
// build without PostgreSQL support, so that a mistyped variable fails the
// run instead of quietly testing SQLite twice.
std::string test_store_name();
inline bool testing_on_postgres() {
  return test_store_name() == "postgres";
}

// A new, empty database on the shared server, named after `purpose`;
// its connection URL.
std::string fresh_postgres_database(const std::string& purpose);

}  // namespace tierd::testing
