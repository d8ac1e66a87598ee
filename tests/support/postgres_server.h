// A throw-away PostgreSQL server for integration tests.
//
// PostgresServer runs initdb into a fresh TempDir, starts the server with
// pg_ctl on a free loopback port (TCP on 127.0.0.1 only, its Unix socket inside
// the TempDir), and stops it (pg_ctl stop -m fast) on destruction. The server
// binaries come from $TIERD_PG_BINDIR or /usr/lib/postgresql/15/bin. PostgreSQL
// refuses to run as root, so when the tests run as root the server runs as the
// `postgres` system user (via runuser) in a directory handed to that user.
// Authentication is `trust` for the superuser `tierd`.
//
// The constructor throws std::runtime_error with the reason (binaries missing,
// initdb or start failed, with the server log) so a test fails loudly instead of
// skipping. Not thread-safe: create and use it from the test thread.
#pragma once

#include <memory>
#include <string>

#include "support/process_harness.h"

namespace tierd::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // Creates a new, empty database and returns its connection URL
  // ("postgresql://tierd@127.0.0.1:PORT/NAME"). Throws std::runtime_error on
  // failure.
  std::string create_database(const std::string& name);
  // The URL of the database created at start, "tierd_test".
  std::string url() const { return url_for("tierd_test"); }
  std::string url_for(const std::string& database) const;

  // Stops the server (fast shutdown) if it is running. Returns true once it is
  // down.
  bool stop();
  // Starts it again on the same port and data directory. Throws on failure.
  void start();

  // One server per test binary, started on first use and stopped at exit.
  // Throws std::runtime_error (again on every call) if it could not start.
  static PostgresServer& shared();

 private:
  // Runs a server binary (as the postgres user when root); returns its exit
  // status and appends its output to the server log.
  int run_tool(const std::vector<std::string>& args);
  std::string log_tail() const;

  TempDir dir_;
  std::string bin_dir_;
  std::string data_dir_;
  std::string socket_dir_;
  std::string log_path_;
  int port_ = 0;
  bool as_postgres_user_ = false;
  bool running_ = false;
};

}  // namespace tierd::testing
