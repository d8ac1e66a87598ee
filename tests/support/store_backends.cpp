#include "support/store_backends.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "support/must.h"
#ifdef TIERD_HAVE_POSTGRES
#include <pqxx/pqxx>

#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store.h"
#include "support/postgres_server.h"
#endif

namespace tierd::testing {

std::unique_ptr<Store> SqliteBackend::open() {
  // No fsync at commit: the tests crash processes, never the machine.
  return must(open_sqlite_store({.path = path(), .synchronous_full = false}));
}

int SqliteBackend::schema_version() const {
  return sqlite::schema_migrations().back().version;
}

std::vector<std::vector<std::string>> SqliteBackend::rows(const std::string& sql) const {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string error = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path() + ": " + error);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("cannot prepare \"" + sql + "\": " + error);
  }
  std::vector<std::vector<std::string>> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

#ifdef TIERD_HAVE_POSTGRES
PostgresBackend::PostgresBackend() : url_(fresh_postgres_database("store")) {}

std::unique_ptr<Store> PostgresBackend::open() {
  return must(open_postgres_store(url_));
}

int PostgresBackend::schema_version() const {
  return postgres::schema_migrations().back().version;
}

std::vector<std::vector<std::string>> PostgresBackend::rows(const std::string& sql) const {
  pqxx::connection connection(url_);
  pqxx::read_transaction tx(connection);
  std::vector<std::vector<std::string>> out;
  for (const auto& r : tx.exec(sql)) {
    std::vector<std::string> row;
    for (const auto& field : r) row.emplace_back(field.is_null() ? "" : field.c_str());
    out.push_back(std::move(row));
  }
  return out;
}
#endif

std::vector<std::string> backend_names() {
#ifdef TIERD_HAVE_POSTGRES
  return {"sqlite", "postgres"};
#else
  return {"sqlite"};
#endif
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
#ifdef TIERD_HAVE_POSTGRES
  if (name == "postgres") return std::make_unique<PostgresBackend>();
#endif
  return std::make_unique<SqliteBackend>();
}

std::string test_store_name() {
  const char* value = std::getenv("TIERD_TEST_STORE");
  std::string name = value ? value : "";
  if (name.empty() || name == "sqlite") return "sqlite";
  if (name == "postgres") {
#ifdef TIERD_HAVE_POSTGRES
    return name;
#else
    throw std::runtime_error("TIERD_TEST_STORE=postgres, but this build has no PostgreSQL support");
#endif
  }
  throw std::runtime_error("TIERD_TEST_STORE is \"" + name +
                           "\": expected \"sqlite\" (the default) or \"postgres\"");
}

std::string fresh_postgres_database(const std::string& purpose) {
#ifdef TIERD_HAVE_POSTGRES
  static std::atomic<int> next{0};
  return PostgresServer::shared().create_database(purpose + "_" + std::to_string(++next));
#else
  throw std::runtime_error("this build has no PostgreSQL support (" + purpose + ")");
#endif
}

}  // namespace tierd::testing
