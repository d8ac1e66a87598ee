// RawConnection: a plain TCP connection to a loopback port that sends and
// reads exactly the bytes a test says — for clients that misbehave (idle,
// slow, silent, oversized) in ways an HTTP client library will not.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

namespace tierd::testing {

class RawConnection {
 public:
  explicit RawConnection(int port);  // throws std::runtime_error when it cannot connect
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the connection refused the bytes (reset or closed).
  bool send(std::string_view bytes);
  // Reads until `until` has arrived, the peer closed, or `timeout` passed.
  std::string read_until(std::string_view until, std::chrono::milliseconds timeout);
  // True when the peer closes (or resets) the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string received_;
};

// A simple request for `path`, keeping the connection alive.
std::string get_request(std::string_view path);

// The resident set size of process `pid`, in KiB (0 if unknown).
long rss_kib(pid_t pid);

}  // namespace tierd::testing
