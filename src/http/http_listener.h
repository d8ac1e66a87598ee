// HttpListener: the HTTP server tierd answers on — plain HTTP, or HTTPS when
// the config has listen.tls — built to keep answering while some clients are
// idle, slow or hostile.
//
// cpp-httplib (Debian's 0.11, a compiled library) parses requests and routes
// them, but its own accept loop gives each connection a worker thread from
// accept to close: idle keep-alive connections, headers sent a byte at a
// time and TLS handshakes that never start each hold a worker, and header
// sets are read without a size limit. So the listener owns the socket and
// the connections, and the library only ever sees a whole request:
//
//   * One event thread accepts, runs TLS handshakes (non-blocking), waits
//     out keep-alive idleness and reads each request head — and a body of
//     declared length — into a capped buffer. None of that takes a worker.
//   * A request head must arrive within head_timeout (counted from accept,
//     so it includes the TLS handshake, or from its first byte on a kept-
//     alive connection), else 408 and close. A head over max_header_bytes or
//     max_headers gets 431 and close. Idle keep-alive connections close
//     after idle_timeout (well under the ~10 s a helpdesk waits for an ack).
//   * Complete requests go to `workers` threads, which run the library's
//     request processing on a ConnectionStream. If every worker is busy and
//     `workers` requests already wait, the request gets 503 with
//     Retry-After at once rather than joining an unbounded queue.
//   * At max_connections an idle keep-alive connection is closed to make
//     room; when none is idle a new connection is refused (plain: 503).
//   * The socket is bound without SO_REUSEPORT, so a second process on the
//     same port fails to bind (bind() answers kAlreadyExists, saying so).
//   * Refused and timed-out connections are counted (stats()) and logged
//     once a minute in total, so that an attack does not flood the log.
//
// Chunked bodies are read by the worker (bounded by head_timeout and
// max_body_bytes); they are rare from a helpdesk. What the listener cannot
// do — limit clients by address, absorb floods bigger than the host — needs
// the reverse proxy (packaging/haproxy/, README "Production topology").
//
// HTTPS uses OpenSSL with TLS 1.2 as the floor and the Mozilla "intermediate"
// cipher list (ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2; OpenSSL's
// TLS 1.3 suites). The certificate and key can be replaced while the server
// runs (reload_certificate(), called on SIGHUP): new connections get the new
// pair, connections already open keep the one they started with, and a pair
// that does not load or does not match leaves the running one in place.
//
// Threads: create(), server() route registration and bind() from the owner
// before run(); run() blocks on the thread that owns the event loop until
// stop(); stop(), stats() and reload_certificate() from any thread. The
// library's post-routing handler belongs to the listener.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/status.h"

namespace tierd {

class ListenerLoop;
class RequestRouter;

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain, leaf first
  std::string key_file;   // PEM private key of the leaf
};

// The OpenSSL cipher list of Mozilla's "intermediate" configuration (TLS 1.2).
extern const char* const kIntermediateCiphers;

struct ListenerLimits {
  int workers = 16;
  int max_connections = 512;
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds write_timeout{5000};
  size_t max_header_bytes = 32 * 1024;
  size_t max_headers = 100;
  size_t max_body_bytes = 1024 * 1024;  // what a request body may be, in any route
};

// What the listener refused or closed since it started.
struct ListenerStats {
  uint64_t accepted = 0;
  uint64_t requests = 0;           // handed to a worker
  uint64_t head_timeouts = 0;      // 408, or silent through the TLS handshake
  uint64_t headers_too_large = 0;  // 431
  uint64_t busy = 0;               // 503: every worker busy and the queue full
  uint64_t over_capacity = 0;      // refused at max_connections
  uint64_t idle_closed = 0;        // keep-alive connections closed when idle
  uint64_t tls_failures = 0;       // handshakes that failed
};

class HttpListener {
 public:
  // Builds a plain listener when `tls` is empty; otherwise loads the pair
  // for HTTPS. Returns InvalidArgument naming the file when the certificate
  // or key cannot be loaded or do not belong together.
  static Result<std::unique_ptr<HttpListener>> create(const std::optional<TlsFiles>& tls,
                                                      ListenerLimits limits = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // For registering routes and handler options only; the listener owns
  // sockets, threads and the pre/post-routing handlers.
  httplib::Server& server();
  bool tls() const { return tls_.has_value(); }
  const ListenerLimits& limits() const { return limits_; }

  // Binds host:port (port 0: any free port) and returns the port. A port
  // another process listens on is kAlreadyExists, saying so.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(); then finishes the requests workers hold and
  // closes every connection.
  void run();
  void stop();
  bool running() const { return running_.load(); }

  ListenerStats stats() const;

  // Loads `files` (normally the same paths, with renewed contents) for the
  // connections accepted from now on. On failure the running pair stays and
  // the error says why. OK and a no-op for a plain listener.
  Status reload_certificate(const TlsFiles& files);

 private:
  struct Certificates;
  HttpListener();

  ListenerLimits limits_;
  std::optional<TlsFiles> tls_;
  std::shared_ptr<Certificates> certificates_;  // shared with the OpenSSL callback
  std::unique_ptr<RequestRouter> router_;
  std::unique_ptr<ListenerLoop> loop_;
  struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const;
  };
  std::unique_ptr<SSL_CTX, SslCtxFree> listening_ctx_;  // new connections start here
  int listen_fd_ = -1;
  std::atomic<bool> running_{false};
};

}  // namespace tierd
