// backup_sqlite(): declared in sqlite_store.h.
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include "store/private_files.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace tierd {
namespace {

// Pages copied per step: small enough that the source's writers are not held
// up for long, since each step holds a read lock on the source.
constexpr int kPagesPerStep = 256;
// How long to keep retrying while the source is busy before giving up.
constexpr auto kBusyGiveUp = std::chrono::seconds(30);

struct Handle {
  sqlite3* db = nullptr;
  ~Handle() { sqlite3_close_v2(db); }
};

Status open_handle(Handle& h, const std::string& path, int flags, const char* context) {
  int rc = sqlite3_open_v2(path.c_str(), &h.db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite::status_from_sqlite(rc, h.db ? sqlite3_errmsg(h.db) : "",
                                          std::string(context) + " " + path);
    return s.code() == StatusCode::kUnavailable ? s : Status::Internal(s.message());
  }
  sqlite3_extended_result_codes(h.db, 1);
  sqlite3_busy_timeout(h.db, 1000);
  return Status::Ok();
}

Status copy_pages(sqlite3* src, sqlite3* dest, const std::string& context) {
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", src, "main");
  if (backup == nullptr) {
    return sqlite::status_from_sqlite(sqlite3_errcode(dest), sqlite3_errmsg(dest), context);
  }
  auto give_up = std::chrono::steady_clock::now() + kBusyGiveUp;
  int rc = SQLITE_OK;
  while (true) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    break;
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return sqlite::status_from_sqlite(rc, sqlite3_errstr(rc), context);
  return Status::Ok();
}

}  // namespace

Status backup_sqlite(const std::string& src_path, const std::string& dest_path) {
  std::string context = "backup " + src_path + " to " + dest_path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(src_path, ec)) {
    return Status::Internal("store: no database at " + src_path);
  }
  std::string partial = dest_path + ".partial";
  std::filesystem::remove(partial, ec);
  // The backup holds raw webhook bodies: private, like the store.
  if (Status s = make_private_file(partial); !s.ok())
    return Status::Internal("store: " + s.message());

  Status s;
  {
    Handle src;
    Handle dest;
    // Read-only: SQLite (3.22 and later) reads a WAL database read-only even
    // when no other process has it open, and a backup must never change its
    // source. The -wal and -shm files it may create take the database file's
    // owner and mode, so a backup run as root leaves nothing the service
    // user cannot open.
    s = open_handle(src, src_path, SQLITE_OPEN_READONLY, "open backup source");
    if (s.ok()) {
      s = open_handle(dest, partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      "open backup destination");
    }
    if (s.ok()) s = copy_pages(src.db, dest.db, context);
    if (s.ok()) {
      // The copy carries the source's WAL setting; fold everything into the
      // main file so the single renamed file is the complete backup.
      char* errmsg = nullptr;
      int rc = sqlite3_exec(dest.db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, &errmsg);
      if (rc != SQLITE_OK) s = sqlite::status_from_sqlite(rc, errmsg ? errmsg : "", context);
      sqlite3_free(errmsg);
    }
  }
  if (s.ok()) {
    std::filesystem::rename(partial, dest_path, ec);
    if (ec) s = Status::Internal("store: cannot rename backup into place: " + ec.message());
  }
  if (!s.ok()) {
    std::filesystem::remove(partial, ec);
    std::filesystem::remove(partial + "-wal", ec);
    std::filesystem::remove(partial + "-shm", ec);
    return s;
  }
  spdlog::info("event=store_backup src={} dest={}", src_path, dest_path);
  return Status::Ok();
}

}  // namespace tierd
