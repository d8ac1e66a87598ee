#include "store/private_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace tierd {
namespace {

std::string why(const std::string& what, const std::string& path) {
  return "cannot " + what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

Status create_private_directories(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  std::filesystem::path path(dir);
  std::filesystem::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0) {
      // mkdir's mode passes through the umask; set it exactly.
      if (::chmod(partial.c_str(), 0700) != 0) {
        return Status::Internal(why("set the mode of directory", partial.string()));
      }
    } else if (errno != EEXIST) {
      return Status::Internal(why("create directory", partial.string()));
    }
  }
  return Status::Ok();
}

Status make_private_file(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (Status s = create_private_directories(parent); !s.ok()) return s;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::Internal(why("create", path));
  struct stat st {};
  Status result = Status::Ok();
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    result = Status::Internal(path + " is not a regular file");
  } else if ((st.st_mode & 07777) != 0600 && ::fchmod(fd, 0600) != 0) {
    result = Status::Internal(why("set the mode of", path));
  }
  ::close(fd);
  return result;
}

std::string instance_lock_path(const std::string& store_path) {
  return store_path + ".lock";
}

namespace {

// The pid the lock file names, or "" when it names none (its holder has not
// written it yet).
std::string holder_pid(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i) pid += text[i];
  return pid;
}

}  // namespace

Result<InstanceLock> InstanceLock::acquire(const std::string& path) {
  const std::string lock_path = instance_lock_path(path);
  if (Status s = make_private_file(lock_path); !s.ok()) return s;
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::Internal(why("open", lock_path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = err == EWOULDBLOCK ? holder_pid(fd) : "";
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status(StatusCode::kAlreadyExists,
                    "the store " + path + " is already served by another tierd process (" +
                        (pid.empty() ? "" : "pid " + pid + ", ") + "holding " + lock_path +
                        "); stop it, or give this one a store of its own");
    }
    errno = err;
    return Status::Internal(why("lock", lock_path));
  }
  // Only the holder writes, so a reader refused above sees a whole pid or
  // none. The file stays when the holder exits: removing it could remove a
  // newer holder's.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const Status s = Status::Internal(why("write the pid into", lock_path));
    ::close(fd);
    return s;
  }
  return InstanceLock(fd);
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace tierd
