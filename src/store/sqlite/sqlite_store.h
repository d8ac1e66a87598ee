// The embedded Store: one SQLite database file in WAL mode.
//
// open_sqlite_store() creates the file (and its parent directory) if needed,
// applies the schema migrations (sqlite_schema.h) and returns a Store that any
// thread may call; read-only (SqliteOptions::access) it only opens an existing
// file. Inside, one writer connection guarded by a mutex serves
// every method that changes something, each as one IMMEDIATE transaction; a
// second, query-only connection with its own mutex serves reads, so listings
// do not wait behind writes (WAL lets a reader see the last commit while a
// writer works). Errors come back as Status values: a locked database, a full
// disk or an I/O error is kUnavailable ("store: database is locked
// (append_inbox)"), a duplicate outbox idempotency key kAlreadyExists, and
// anything else kInternal. Nothing here throws. It keeps no shard leases: a
// write carrying a ShardFence is refused with kInvalidArgument (store.h).
//
// Callbacks of the for_each_* methods run while the read connection is held:
// they must not call read methods of the same store (write methods are fine).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace tierd {

struct SqliteOptions {
  std::string path;  // database file; its directory is created if missing
  // FULL (default): fsync at every commit; nothing acknowledged is ever lost.
  // NORMAL: in WAL mode, no fsync at commit, only at checkpoints; a process
  // crash still loses nothing, but a power failure or OS crash can lose the
  // last transactions acknowledged before it (the database stays consistent).
  bool synchronous_full = true;
  // How long a call waits for a lock held by another connection (a backup, a
  // second process) before giving up with kUnavailable.
  Duration busy_timeout = std::chrono::seconds(5);
  // kReadOnly: the file must exist with this build's schema (see
  // StoreAccess); it is opened with SQLITE_OPEN_READONLY and never changed.
  StoreAccess access = StoreAccess::kReadWrite;
};

// Returns the open store on success; on failure kInternal (cannot create the
// directory or file, schema newer than this build, corrupt file) or
// kUnavailable (locked, disk full, I/O error) naming the cause. Read-only:
// kNotFound when the file does not exist or is not a tierd store, kInternal
// when its schema version is not this build's.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

// Copies the database at `src_path` to `dest_path` with SQLite's online backup
// API: a consistent snapshot even while a daemon writes to the source. The copy
// is written beside `dest_path` and renamed into place, so `dest_path` is
// either the old file or the complete new copy; the source is opened
// read-only. Returns OK on success; kUnavailable when the source stayed locked
// or the disk is full; kInternal for other failures (no source file, an
// unwritable destination).
Status backup_sqlite(const std::string& src_path, const std::string& dest_path);

}  // namespace tierd
