// ConnectionStream: the httplib::Stream a listener worker hands to the HTTP
// library for one request on an accepted connection, plain or TLS.
//
// The listener has already read the request head (and a body of known
// length) into `buffered`; reads are served from there first, then from the
// socket. Every read waits at most until `read_deadline`, so a body that
// trickles in holds a worker no longer than that, and no more than
// `max_read_bytes` are read from the socket for the request (a chunked body
// is not limited by the library). Writes give up after `write_timeout`.
// Whatever was read past the request stays in leftover() for the next one.
//
// The socket is non-blocking; waits are poll()s on this one descriptor.
// Threads: one worker at a time; the stream borrows the socket and the SSL.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <string>

namespace tierd {

class ConnectionStream : public httplib::Stream {
 public:
  using Steady = std::chrono::steady_clock;

  ConnectionStream(int fd, SSL* ssl, std::string buffered, Steady::time_point read_deadline,
                   std::chrono::milliseconds write_timeout, size_t max_read_bytes);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  // httplib's server reads this only to refuse descriptors that select()
  // cannot watch; this stream never select()s, so it reports none.
  socket_t socket() const override { return INVALID_SOCKET; }

  // The bytes received but not consumed by the request.
  std::string take_leftover();

 private:
  // Reads what the socket has into buffer_; false on EOF, error or deadline.
  bool fill();
  // Waits for `events` on fd_ until `deadline`; false when it passed.
  bool wait(short events, Steady::time_point deadline) const;

  int fd_;
  SSL* ssl_;
  std::string buffer_;
  size_t consumed_ = 0;  // of buffer_
  Steady::time_point read_deadline_;
  std::chrono::milliseconds write_timeout_;
  size_t read_budget_;
};

// What an SSL_read or SSL_write that returned `result` means in recv/send
// terms: `result` when positive; else -1 with errno EAGAIN and `wait_for`
// set to the poll event OpenSSL waits for, or -1 with errno EIO when the
// connection failed or closed.
ssize_t ssl_io_result(SSL* ssl, int result, short& wait_for);

// "a.b.c.d" / "::1" and the port of a socket address; "" and 0 if unknown.
void socket_address(int fd, bool peer, std::string& ip, int& port);

}  // namespace tierd
