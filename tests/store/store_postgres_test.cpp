// PostgreSQL-only behaviour of the store: connection loss and recovery, an
// unreachable server, and schema migrations on an existing database. The
// shared Store semantics are in store_test.cpp.
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <pqxx/pqxx>

#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store.h"
#include "support/must.h"
#include "support/postgres_server.h"
#include "support/process_harness.h"
#include "ticket_summary_fixtures.h"

using namespace tierd;
using tierd::testing::PostgresServer;
using tierd::testing::must;

namespace {

// This build's schema version, and a step after it as a later build adds one.
const int kReleased = postgres::schema_migrations().back().version;
const postgres::Migration kTestNext{
    kReleased + 1,
    "ALTER TABLE tickets ADD COLUMN note TEXT NOT NULL DEFAULT 'next'; "
    "CREATE INDEX tickets_by_note ON tickets (note);"};

std::vector<postgres::Migration> released_plus(postgres::Migration extra) {
  auto released = postgres::schema_migrations();
  std::vector<postgres::Migration> steps(released.begin(), released.end());
  steps.push_back(extra);
  return steps;
}

int stored_version(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::work txn(conn);
  return postgres::schema_version(txn);
}

}  // namespace

TEST_CASE("a lost PostgreSQL connection answers kUnavailable and the store reconnects",
          "[postgres_store]") {
  PostgresServer server;  // its own server: this test stops it
  auto store = must(open_postgres_store(server.url()));
  must(store->put_meta("cursor", "before"));

  REQUIRE(server.stop());
  Status lost = store->put_meta("cursor", "during");
  CHECK(lost.code() == StatusCode::kUnavailable);
  auto read = store->get_meta("cursor");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kUnavailable);

  server.start();
  CHECK(must(store->get_meta("cursor")) == std::optional<std::string>("before"));
  must(store->put_meta("cursor", "after"));
  CHECK(must(store->get_meta("cursor")) == std::optional<std::string>("after"));
}

TEST_CASE("opening a PostgreSQL store on an unreachable server answers kUnavailable",
          "[postgres_store]") {
  int port = tierd::testing::free_loopback_port();
  auto store =
      open_postgres_store("postgresql://tierd@127.0.0.1:" + std::to_string(port) + "/nothing");
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("a later PostgreSQL migration runs on an existing database", "[postgres_store]") {
  std::string url = PostgresServer::shared().create_database("migration_next");
  {
    auto store = must(open_postgres_store(url));
    must(store->put_meta("cursor", "kept"));
  }
  CHECK(stored_version(url) == kReleased);

  {
    pqxx::connection conn(url);
    CHECK(postgres::migrate(conn, released_plus(kTestNext)).empty());
    CHECK(postgres::migrate(conn, released_plus(kTestNext)).empty());  // again: a no-op
    pqxx::work txn(conn);
    CHECK(postgres::schema_version(txn) == kReleased + 1);
    CHECK(txn.exec("SELECT note FROM tickets").columns() == 1);
    CHECK(txn.exec1("SELECT value FROM meta WHERE key = 'cursor'")[0].as<std::string>() == "kept");
  }

  auto newer = open_postgres_store(url);
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().code() == StatusCode::kInternal);
  CHECK(newer.status().message().find("newer than this build") != std::string::npos);
}

TEST_CASE("a failing PostgreSQL migration step leaves the database at the version before it",
          "[postgres_store]") {
  std::string url = PostgresServer::shared().create_database("migration_fails");
  { auto store = must(open_postgres_store(url)); }

  pqxx::connection conn(url);
  CHECK_THROWS_AS(postgres::migrate(conn, released_plus({kReleased + 1,
                                                         "CREATE TABLE extra (x INTEGER); "
                                                         "CREATE TABLE inbox (y INTEGER);"})),
                  pqxx::sql_error);
  CHECK(stored_version(url) == kReleased);
  pqxx::work txn(conn);
  CHECK(txn.exec1("SELECT to_regclass('extra') IS NULL")[0].as<bool>());
}

TEST_CASE("upgrading a schema 1 PostgreSQL database derives the ticket summaries",
          "[postgres_store]") {
  std::string url = PostgresServer::shared().create_database("migration_summaries");
  auto tickets = tierd::testing::summarised_tickets();
  {
    // The database as the build before the summary columns left it.
    pqxx::connection conn(url);
    REQUIRE(postgres::migrate(conn, postgres::schema_migrations().first(1)).empty());
    pqxx::work txn(conn);
    for (const auto& t : tickets) {
      txn.exec0("INSERT INTO tickets (id, state_json, deadline_ms) VALUES (" + txn.quote(t.id) +
                ", " + txn.quote(t.state_json) + ", " + (t.id == 1 ? "50000" : "NULL") + ")");
    }
    txn.exec0("INSERT INTO tickets (id, state_json, deadline_ms) VALUES (5, 'not json', 70000)");
    txn.commit();
  }
  CHECK(stored_version(url) == 1);

  auto store = must(open_postgres_store(url));
  CHECK(stored_version(url) == kReleased);
  tierd::testing::check_upgraded_summaries(*store, tickets);
}

#endif  // TIERD_HAVE_POSTGRES
