// DurableAppendLog: the least work a server can do to store a request body
// durably — append it to one file and fdatasync — with group commit, as the
// yardstick ingest_bench measures tierd's ingest against (the "durable
// ceiling" of the disk under the same load).
//
// append() blocks until its bytes are on disk. No committer thread: the first
// caller that finds no sync in progress becomes the leader, writes everything
// queued so far with one write() and one fdatasync(), and wakes the callers
// it covered; requests that arrive during that sync are written together by
// the next leader.
//
// Threads: append() from any number of threads. The file is created (or
// truncated) by the constructor and closed by the destructor.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

namespace tierd::bench {

class DurableAppendLog {
 public:
  explicit DurableAppendLog(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600)) {
    if (fd_ < 0) {
      std::perror(("open " + path).c_str());
      std::exit(1);
    }
  }
  ~DurableAppendLog() { ::close(fd_); }
  DurableAppendLog(const DurableAppendLog&) = delete;
  DurableAppendLog& operator=(const DurableAppendLog&) = delete;

  // False when the write or the sync failed (the caller answers 503).
  bool append(std::string_view record) {
    std::unique_lock lock(mutex_);
    pending_.append(record);
    pending_ += '\n';
    const uint64_t mine = ++queued_;
    while (synced_ < mine) {
      if (syncing_) {
        synced_changed_.wait(lock);
        continue;
      }
      // Leader: sync everything queued so far, this record included.
      syncing_ = true;
      std::string batch;
      batch.swap(pending_);
      const uint64_t covers = queued_;
      lock.unlock();
      const bool ok = write_all(batch) && ::fdatasync(fd_) == 0;
      lock.lock();
      syncing_ = false;
      if (!ok) failed_ = true;
      synced_ = covers;
      ++syncs_;
      synced_changed_.notify_all();
    }
    return !failed_;
  }

  uint64_t syncs() const {
    std::lock_guard lock(mutex_);
    return syncs_;
  }

 private:
  bool write_all(std::string_view bytes) const {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  const int fd_;
  mutable std::mutex mutex_;
  std::condition_variable synced_changed_;
  std::string pending_;  // appended, not yet handed to a leader
  uint64_t queued_ = 0;  // records appended so far
  uint64_t synced_ = 0;  // records on disk
  uint64_t syncs_ = 0;
  bool syncing_ = false;
  bool failed_ = false;
};

}  // namespace tierd::bench
