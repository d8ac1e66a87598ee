#include "store/sqlite/sqlite_connection.h"

#include <filesystem>
#include <limits>

namespace tierd::sqlite {

Status status_from_sqlite(int rc, std::string_view sqlite_message, std::string_view context) {
  std::string message = "store: ";
  message += sqlite_message.empty() ? std::string_view(sqlite3_errstr(rc)) : sqlite_message;
  message += " (";
  message += context;
  message += ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Status::Unavailable(std::move(message));
    default:
      break;
  }
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  return Status::Internal(std::move(message));
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_),
      conn_(other.conn_),
      context_(std::move(other.context_)),
      bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind(int index, std::string_view text) {
  int rc = text.size() > static_cast<size_t>(std::numeric_limits<int>::max())
               ? SQLITE_TOOBIG
               : sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind_blob(int index, std::string_view bytes) {
  int rc = bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())
               ? SQLITE_TOOBIG
               : sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                                   SQLITE_TRANSIENT);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind(int index, std::optional<int64_t> value) {
  int rc = value ? sqlite3_bind_int64(stmt_, index, *value) : sqlite3_bind_null(stmt_, index);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) return conn_->error(bind_error_, context_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->error(rc, context_);
}

Status Statement::run() {
  Result<bool> r = step();
  if (!r.ok()) return r.status();
  return Status::Ok();
}

std::string Statement::text_at(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool create,
                                                     Duration busy_timeout) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  return open_with_flags(path, flags, busy_timeout);
}

Result<std::unique_ptr<Connection>> Connection::open_read_only(const std::string& path,
                                                               Duration busy_timeout) {
  // SQLite's own "unable to open database file" does not say that the file
  // is simply not there, which is the usual mistake (a wrong path, or tierd
  // has not run yet).
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("store: no database at " + path);
  }
  return open_with_flags(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, busy_timeout);
}

Result<std::unique_ptr<Connection>> Connection::open_with_flags(const std::string& path, int flags,
                                                                Duration busy_timeout) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    Status s = status_from_sqlite(rc, message, "open " + path);
    // A file that cannot be opened is a setup problem, not a transient one,
    // unless SQLite itself said it was (a full disk, an I/O error).
    if (s.code() == StatusCode::kUnavailable) return s;
    return Status::Internal(s.message());
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(const char* sql, std::string_view context) {
  char* errmsg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &errmsg);
  if (rc == SQLITE_OK) return Status::Ok();
  Status s = status_from_sqlite(rc, errmsg ? errmsg : "", context);
  sqlite3_free(errmsg);
  return s;
}

Result<Statement> Connection::prepare(const char* sql, std::string_view context) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return error(rc, context);
    it = statements_.emplace(sql, stmt).first;
  }
  return Statement(it->second, this, context);
}

Status Connection::error(int rc, std::string_view context) const {
  // sqlite3_errmsg describes the most recent failure on this connection, which
  // is the one being reported: callers map errors right after the failing call.
  return status_from_sqlite(rc, sqlite3_errmsg(db_), context);
}

}  // namespace tierd::sqlite
