// One PostgreSQL connection shared by the calls of a store, each call one
// transaction: the connection handling of the PostgreSQL Store
// (postgres_store.h) and lease store (postgres_lease_store.h).
//
// A mutex serves the calls one at a time. The connection is (re)opened on
// demand with the owner's prepared statements; when it breaks, the call in
// progress returns kUnavailable and the next call reconnects. Every libpqxx
// exception becomes a Status: connection loss, serialization failures,
// deadlocks and resource shortages are kUnavailable; a unique violation is
// kAlreadyExists; a commit whose outcome the server never confirmed is
// kDeadlineExceeded; a data exception kInvalidArgument; anything else
// kInternal. No exception leaves in_txn().
#pragma once

#include <pqxx/pqxx>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "runtime/mutex.h"
#include "store/store.h"

namespace tierd::postgres {

// A prepared statement: its name and SQL.
using Statement = std::pair<const char*, const char*>;

// The status code for an SQLSTATE: the classes a retry can cure are kUnavailable.
StatusCode code_for_sqlstate(const std::string& state);

// The first line of a libpqxx message (the rest repeats the query).
std::string first_line(const char* what);

// Opens a connection with `statements` prepared. kReadWrite brings the schema
// to this build's version (postgres_schema.h); kReadOnly checks that it is
// there at this version (kNotFound / kInternal otherwise) and makes every
// transaction READ ONLY. kUnavailable when the server cannot be reached (the
// message never repeats the URL, which may hold a password).
Result<std::unique_ptr<pqxx::connection>> open_connection(const std::string& url,
                                                          StoreAccess access,
                                                          std::span<const Statement> statements);

class SharedConnection {
 public:
  // `conn`: from open_connection() with the same `statements`, which must
  // outlive this object.
  SharedConnection(std::string url, StoreAccess access, std::span<const Statement> statements,
                   std::unique_ptr<pqxx::connection> conn)
      : url_(std::move(url)), access_(access), statements_(statements), conn_(std::move(conn)) {}
  ~SharedConnection();
  SharedConnection(const SharedConnection&) = delete;
  SharedConnection& operator=(const SharedConnection&) = delete;

  // Runs `body(txn)` (returning a Status) in one transaction on the
  // (re)connected connection and commits when it returns OK; a non-OK Status
  // rolls back and is returned as it is. `context` names the call in messages.
  template <typename Body>
  Status in_txn(std::string_view context, Body&& body) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    std::string where(context);
    try {
      if (!conn_ || !conn_->is_open()) {
        conn_.reset();
        conn_ = connect();
      } else {
        // Reads whatever the server sent while idle, so a connection it closed
        // is found here (broken_connection) rather than by BEGIN: libpqxx 6.4
        // leaks a result when BEGIN meets a closed connection.
        conn_->get_notifs();
      }
      pqxx::work txn(*conn_, where);
      Status s = body(txn);
      if (!s.ok()) {
        txn.abort();
        return s;
      }
      txn.commit();
      return Status::Ok();
    } catch (const pqxx::broken_connection& e) {
      drop_connection();
      return Status::Unavailable("store: PostgreSQL connection lost (" + where +
                                 "): " + first_line(e.what()));
    } catch (const pqxx::in_doubt_error& e) {
      drop_connection();
      return Status(StatusCode::kDeadlineExceeded, "store: PostgreSQL commit outcome unknown (" +
                                                       where + "): " + first_line(e.what()));
    } catch (const pqxx::sql_error& e) {
      StatusCode code = code_for_sqlstate(e.sqlstate());
      if (code == StatusCode::kUnavailable && e.sqlstate().rfind("08", 0) == 0) drop_connection();
      return Status(code, "store: " + first_line(e.what()) + " (" + where + ")");
    } catch (const std::exception& e) {
      return Status::Internal("store: " + first_line(e.what()) + " (" + where + ")");
    }
  }

  // Runs a read in its own transaction and returns what `read(txn)` returned.
  template <typename T, typename Read>
  Result<T> query(std::string_view context, Read&& read) {
    std::optional<T> value;
    Status s = in_txn(context, [&](pqxx::work& txn) {
      value = read(txn);
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return std::move(*value);
  }

 private:
  // A new connection with the statements prepared; throws pqxx exceptions.
  std::unique_ptr<pqxx::connection> connect() const;
  void drop_connection() REQUIRES(mu_);

  const std::string url_;  // never logged (may hold a password)
  const StoreAccess access_;
  const std::span<const Statement> statements_;
  Mutex mu_;
  std::unique_ptr<pqxx::connection> conn_ GUARDED_BY(mu_);  // null after a failure
};

}  // namespace tierd::postgres
