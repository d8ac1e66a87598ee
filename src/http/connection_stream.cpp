#include "http/connection_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tierd {
namespace {

constexpr size_t kStreamReadChunk = 16 * 1024;

int remaining_ms(ConnectionStream::Steady::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - ConnectionStream::Steady::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

ssize_t ssl_io_result(SSL* ssl, int result, short& wait_for) {
  if (result > 0) return result;
  const int err = SSL_get_error(ssl, result);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    wait_for = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    errno = EAGAIN;
  } else {
    ERR_clear_error();
    errno = EIO;
  }
  return -1;
}

void socket_address(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  ip.clear();
  port = 0;
  if ((peer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len)) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

ConnectionStream::ConnectionStream(int fd, SSL* ssl, std::string buffered,
                                   Steady::time_point read_deadline,
                                   std::chrono::milliseconds write_timeout, size_t max_read_bytes)
    : fd_(fd),
      ssl_(ssl),
      buffer_(std::move(buffered)),
      read_deadline_(read_deadline),
      write_timeout_(write_timeout),
      read_budget_(max_read_bytes) {}

bool ConnectionStream::is_readable() const {
  return consumed_ < buffer_.size() || (ssl_ != nullptr && SSL_pending(ssl_) > 0);
}

bool ConnectionStream::is_writable() const {
  return true;
}

bool ConnectionStream::wait(short events, Steady::time_point deadline) const {
  while (true) {
    pollfd p{fd_, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool ConnectionStream::fill() {
  if (read_budget_ == 0) return false;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  char chunk[kStreamReadChunk];
  const size_t want = std::min(sizeof chunk, read_budget_);
  while (true) {
    short wait_for = POLLIN;
    ssize_t n;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      n = ssl_io_result(ssl_, SSL_read(ssl_, chunk, static_cast<int>(want)), wait_for);
    } else {
      n = ::recv(fd_, chunk, want, 0);
      if (n == 0) return false;
    }
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      read_budget_ -= static_cast<size_t>(n);
      return true;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (!wait(wait_for, read_deadline_)) return false;
  }
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (consumed_ == buffer_.size() && !fill()) return -1;
  const size_t n = std::min(size, buffer_.size() - consumed_);
  std::memcpy(ptr, buffer_.data() + consumed_, n);
  consumed_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  const auto deadline = Steady::now() + write_timeout_;
  size_t written = 0;
  while (written < size) {
    short wait_for = POLLOUT;
    ssize_t n;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      n = ssl_io_result(ssl_, SSL_write(ssl_, ptr + written, static_cast<int>(size - written)),
                        wait_for);
    } else {
      n = ::send(fd_, ptr + written, size - written, MSG_NOSIGNAL);
    }
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!wait(wait_for, deadline)) return -1;
  }
  return static_cast<ssize_t>(written);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  socket_address(fd_, true, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  socket_address(fd_, false, ip, port);
}

std::string ConnectionStream::take_leftover() {
  std::string rest = buffer_.substr(consumed_);
  buffer_.clear();
  consumed_ = 0;
  return rest;
}

}  // namespace tierd
