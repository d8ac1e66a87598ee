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

Result<InstanceLock> InstanceLock::acquire(const std::string& path) {
  if (Status s = make_private_file(path); !s.ok()) return s;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal(why("open", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status(StatusCode::kAlreadyExists,
                    "the store " + path +
                        " is already served by another tierd process; stop it, or "
                        "give this one a store of its own");
    }
    errno = err;
    return Status::Internal(why("lock", path));
  }
  return InstanceLock(fd);
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace tierd
