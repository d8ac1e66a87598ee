#include "store/sqlite/wal_checkpointer.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace tierd::sqlite {

WalCheckpointer::WalCheckpointer(Connection& writer, std::unique_ptr<Connection> checkpoints)
    : writer_(writer), checkpoints_(std::move(checkpoints)), thread_("checkpoint") {
  // Replaces SQLite's automatic checkpoint on this connection.
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
  thread_.start([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  // The owner holds no transaction open on the writer here; closing the last
  // connection checkpoints whatever is left.
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  thread_.stop();
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  checkpointer->wal_pages_.store(wal_pages, std::memory_order_relaxed);
  if (wal_pages >= kForegroundPages) {
    // The background checkpoints have not caught up with the writer: finish
    // one here, like SQLite's own automatic checkpoint, so the next commit
    // starts the WAL over. A checkpoint in progress elsewhere would make this
    // one give up at once (SQLITE_BUSY): wait for the background one first.
    // Failures are not the commit's: it is done.
    MutexLock lock(checkpointer->checkpointing_);
    int log_frames = 0;
    int copied_frames = 0;
    if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                  &copied_frames) == SQLITE_OK) {
      checkpointer->checkpointed_.store(log_frames, std::memory_order_relaxed);
    }
  } else if (checkpointer->uncheckpointed(wal_pages) >= kBackgroundPages) {
    checkpointer->thread_.wake();
  }
  return SQLITE_OK;
}

int WalCheckpointer::uncheckpointed(int wal_pages) const {
  const int checkpointed = checkpointed_.load(std::memory_order_relaxed);
  // Fewer pages than were checkpointed: the WAL has started over since.
  return wal_pages < checkpointed ? wal_pages : wal_pages - checkpointed;
}

void WalCheckpointer::run() {
  while (thread_.wait()) {
    // One checkpoint per kBackgroundPages new pages, as SQLite's automatic
    // checkpoint: a writer that never pauses keeps the WAL from starting over,
    // and a checkpoint per commit would only add syncs beside the commits'.
    if (uncheckpointed(wal_pages_.load(std::memory_order_relaxed)) < kBackgroundPages) continue;
    int log_frames = 0;
    int copied_frames = 0;
    MutexLock lock(checkpointing_);
    const int rc = sqlite3_wal_checkpoint_v2(
        checkpoints_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
    if (rc == SQLITE_OK) {
      checkpointed_.store(log_frames, std::memory_order_relaxed);
    } else if (rc != SQLITE_BUSY) {
      // BUSY: another connection (a backup) is checkpointing; the next
      // commit wakes this thread again.
      spdlog::warn("store event=checkpoint_failed error=\"{}\"",
                   sqlite3_errmsg(checkpoints_->handle()));
    }
  }
}

}  // namespace tierd::sqlite
