#include "store/postgres/postgres_connection.h"

#include "store/postgres/postgres_schema.h"

namespace tierd::postgres {
namespace {

std::unique_ptr<pqxx::connection> connect_to(const std::string& url, StoreAccess access,
                                             std::span<const Statement> statements) {
  auto conn = std::make_unique<pqxx::connection>(url);
  if (access == StoreAccess::kReadOnly) conn->set_variable("default_transaction_read_only", "on");
  for (const auto& [name, sql] : statements) conn->prepare(name, sql);
  return conn;
}

// For a read-only connection: the schema must be there already, at this
// build's version. Returns OK when it is, else why not.
Status check_schema(pqxx::connection& conn) {
  pqxx::read_transaction txn(conn, "check schema");
  const int version = schema_version(txn);
  const int expected = schema_migrations().back().version;
  if (version == 0) return Status::NotFound("store: the PostgreSQL database holds no tierd schema");
  if (version == expected) return Status::Ok();
  return Status::Internal("store: the PostgreSQL database has schema version " +
                          std::to_string(version) + ", this build reads version " +
                          std::to_string(expected) +
                          (version < expected ? " (tierd serve upgrades it)" : ""));
}

}  // namespace

StatusCode code_for_sqlstate(const std::string& state) {
  if (state == "23505") return StatusCode::kAlreadyExists;                    // unique_violation
  if (state == "40001" || state == "40P01") return StatusCode::kUnavailable;  // retry the txn
  std::string_view cls = std::string_view(state).substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58") return StatusCode::kUnavailable;
  if (cls == "22") return StatusCode::kInvalidArgument;  // data exception: bad input bytes
  return StatusCode::kInternal;
}

std::string first_line(const char* what) {
  std::string s(what);
  auto end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

Result<std::unique_ptr<pqxx::connection>> open_connection(const std::string& url,
                                                          StoreAccess access,
                                                          std::span<const Statement> statements) {
  try {
    auto conn = connect_to(url, access, statements);
    if (access == StoreAccess::kReadOnly) {
      if (Status s = check_schema(*conn); !s.ok()) return s;
    } else {
      std::string refused = migrate(*conn, schema_migrations());
      if (!refused.empty()) return Status::Internal(refused);
    }
    return conn;
  } catch (const pqxx::broken_connection& e) {
    return Status::Unavailable(std::string("store: cannot connect to PostgreSQL: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    return Status(code_for_sqlstate(e.sqlstate()),
                  std::string("store: PostgreSQL schema migration failed: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("store: cannot open PostgreSQL store: ") + e.what());
  }
}

SharedConnection::~SharedConnection() {
  try {
    conn_.reset();
  } catch (...) {  // closing a broken connection must not throw out of a destructor
  }
}

std::unique_ptr<pqxx::connection> SharedConnection::connect() const {
  return connect_to(url_, access_, statements_);
}

void SharedConnection::drop_connection() {
  try {
    conn_.reset();
  } catch (...) {  // a broken connection may complain while closing
    conn_ = nullptr;
  }
}

}  // namespace tierd::postgres
