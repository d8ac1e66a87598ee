// One SQLite connection with a cache of prepared statements, and the mapping
// of SQLite result codes to tierd::Status.
//
// A Connection owns its sqlite3 handle and every statement it prepared; it is
// opened with SQLITE_OPEN_NOMUTEX, so exactly one thread may use it at a time —
// the owner (SqliteStore) guards each connection with its own mutex. A
// Statement is a short-lived handle on a cached statement: it resets the
// statement and clears its bindings when it goes out of scope, so the next
// user finds it clean. Nothing here throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "core/time.h"

namespace tierd::sqlite {

// SQLITE_BUSY, _LOCKED, _FULL and _IOERR (transient: a lock held elsewhere, a
// full disk) give kUnavailable; a UNIQUE/PRIMARY KEY violation gives
// kAlreadyExists; anything else kInternal. The message reads
// "store: <sqlite message> (<context>)".
Status status_from_sqlite(int rc, std::string_view sqlite_message, std::string_view context);

class Connection;

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, Connection* conn, std::string_view context)
      : stmt_(stmt), conn_(conn), context_(context) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based. A binding error is remembered and returned by the
  // next step(), so call sites can bind without checking each call.
  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);
  void bind_blob(int index, std::string_view bytes);
  void bind(int index, std::optional<int64_t> value);  // nullopt binds NULL

  // Returns true when a row is ready, false when the statement is done, or an
  // error Status.
  Result<bool> step();
  // Runs a statement that returns no rows. Returns OK or the error.
  Status run();

  int64_t int64_at(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool is_null_at(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text_at(int column) const;  // text or blob bytes; "" for NULL

 private:
  sqlite3_stmt* stmt_;
  Connection* conn_;
  std::string context_;  // owned: callers often pass a temporary
  int bind_error_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens (and with `create`, creates) the database at `path` with extended
  // result codes and the given busy timeout. Returns the connection on success;
  // kUnavailable / kInternal naming the path on failure.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool create,
                                                  Duration busy_timeout);
  // Opens an existing database for reading only (SQLITE_OPEN_READONLY): no
  // file is created, and every write fails. kNotFound when `path` does not
  // exist; otherwise as open().
  static Result<std::unique_ptr<Connection>> open_read_only(const std::string& path,
                                                            Duration busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }

  // Runs one or more SQL statements without parameters (pragmas, DDL,
  // BEGIN/COMMIT). Returns OK or the mapped error.
  Status exec(const char* sql, std::string_view context);
  // Returns the cached statement for `sql` (preparing it the first time) or the
  // mapped error. `context` names the caller in error messages.
  Result<Statement> prepare(const char* sql, std::string_view context);
  // The mapped error for `rc`, with the connection's current error message.
  Status error(int rc, std::string_view context) const;

  // Number of rows the last INSERT/UPDATE/DELETE changed, and the last rowid.
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  static Result<std::unique_ptr<Connection>> open_with_flags(const std::string& path, int flags,
                                                             Duration busy_timeout);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace tierd::sqlite
