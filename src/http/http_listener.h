// HttpListener: the HTTP server tierd answers on — plain HTTP, or HTTPS when
// the config has listen.tls.
//
// HTTPS uses OpenSSL with TLS 1.2 as the floor and the Mozilla "intermediate"
// cipher list (ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2; OpenSSL's
// TLS 1.3 suites). The certificate and key can be replaced while the server
// runs (reload_certificate(), called on SIGHUP): new connections get the new
// pair, connections already open keep the one they started with, and a pair
// that does not load or does not match leaves the running one in place.
//
// Plain HTTP stays available for a TLS-terminating reverse proxy on the same
// host; check-config warns when a non-loopback listener has no TLS.
//
// Threads: create() and reload_certificate() from the owner; the server
// itself is used like any httplib::Server (routes, bind, listen, stop).
#pragma once

#include <httplib.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/status.h"

namespace tierd {

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain, leaf first
  std::string key_file;   // PEM private key of the leaf
};

// The OpenSSL cipher list of Mozilla's "intermediate" configuration (TLS 1.2).
extern const char* const kIntermediateCiphers;

class HttpListener {
 public:
  // Builds a plain server when `tls` is empty; otherwise loads the pair and
  // builds an HTTPS server. Returns InvalidArgument naming the file when the
  // certificate or key cannot be loaded or do not belong together.
  static Result<std::unique_ptr<HttpListener>> create(const std::optional<TlsFiles>& tls);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  httplib::Server& server() { return *server_; }
  bool tls() const { return tls_.has_value(); }

  // Loads `files` (normally the same paths, with renewed contents) for the
  // connections accepted from now on. On failure the running pair stays and
  // the error says why. OK and a no-op for a plain listener.
  Status reload_certificate(const TlsFiles& files);

 private:
  struct Certificates;
  HttpListener() = default;

  std::optional<TlsFiles> tls_;
  std::shared_ptr<Certificates> certificates_;  // shared with the OpenSSL callback
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace tierd
