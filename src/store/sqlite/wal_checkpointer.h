// WalCheckpointer: copies committed WAL pages back into the database file on
// a thread and connection of its own, so a commit never waits for a
// checkpoint.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its
// threshold, on the committing connection: that commit (and every webhook
// waiting behind it in the inbox's group commit) then waits for ~1,000 pages
// to be written to the database file and for two more syncs. Installed on the
// writer connection, the checkpointer replaces that: its WAL hook (called on
// the writer's thread after every commit, the write lock already released)
// only notes the WAL's size and, every kBackgroundPages new pages, wakes the
// checkpoint thread, which runs a PASSIVE checkpoint — it never blocks the
// writer — on its own connection.
// Durability is the same: a commit is durable once its WAL frames are synced
// (synchronous=FULL), and a checkpoint only moves synced pages; the
// checkpoint connection uses the same synchronous setting, so the database
// file is synced before the WAL is reused.
//
// A passive checkpoint cannot let the WAL start over while a writer keeps
// appending to it; a writer that has grown the WAL to kForegroundPages
// (several times the threshold) completes a checkpoint in its hook, as
// SQLite's automatic checkpoint would, so the file stays bounded under any
// load.
//
// Ownership: the SqliteStore owns it; it must be destroyed before the writer
// connection, which it stops hooking in its destructor. Threads: the hook runs
// on whichever thread holds the writer connection; the rest is the owner's.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <string>

#include "core/status.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/sqlite/sqlite_connection.h"

namespace tierd::sqlite {

class WalCheckpointer {
 public:
  // WAL pages after which a background checkpoint starts (SQLite's default
  // automatic checkpoint threshold) and after which the writer checkpoints
  // itself.
  static constexpr int kBackgroundPages = 1000;
  static constexpr int kForegroundPages = 8 * kBackgroundPages;

  // Hooks `writer` and starts the thread; `checkpoints` is a connection to the
  // same database, configured like the writer and used only here.
  WalCheckpointer(Connection& writer, std::unique_ptr<Connection> checkpoints);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  // Pages of a WAL of `wal_pages` that no checkpoint has copied yet.
  int uncheckpointed(int wal_pages) const;
  void run();

  Connection& writer_;
  const std::unique_ptr<Connection> checkpoints_;  // only the thread uses it
  std::atomic<int> wal_pages_{0};                  // after the writer's last commit
  std::atomic<int> checkpointed_{0};               // WAL pages at the last checkpoint
  Mutex checkpointing_;  // held through each checkpoint of this database's WAL
  WorkerThread thread_;
};

}  // namespace tierd::sqlite
