// Private files: the store, its WAL and shared-memory files, backups and
// exports hold raw webhook bodies, so tierd creates them readable by its own
// user only — 0600 files in 0700 directories — whatever the umask says.
//
// InstanceLock keeps a second `tierd serve` off an SQLite store that one
// already serves: an exclusive flock(2) on a lock file beside the database
// ("<database>.lock", private like the store), held for the life of the lock
// and released by the kernel when the process dies. The holder writes its
// pid into the file, so a refused process can name it. The tools (explain,
// backup, export-events) take no lock and run beside it.
//
// Threads: any; no shared state.
#pragma once

#include <string>

#include "core/status.h"

namespace tierd {

// Creates `dir` and its missing parents with mode 0700. Existing directories
// keep their mode.
Status create_private_directories(const std::string& dir);

// Makes `path` a regular file of mode 0600, creating it (and missing parent
// directories, 0700) when absent. An existing file keeps its content.
Status make_private_file(const std::string& path);

// The lock file of the SQLite database at `store_path`: "<store_path>.lock".
std::string instance_lock_path(const std::string& store_path);

class InstanceLock {
 public:
  // Locks the SQLite database at `path` through its lock file, creating that
  // (private) when absent. kAlreadyExists names the store, the lock file and
  // the holder's pid when another process holds the lock.
  static Result<InstanceLock> acquire(const std::string& path);
  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace tierd
