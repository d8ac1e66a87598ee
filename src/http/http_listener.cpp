#include "http/http_listener.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "http/listener_loop.h"
#include "runtime/mutex.h"

namespace tierd {

const char* const kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

namespace {

std::string openssl_error() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// The protocol floor and ciphers every context of the listener shares.
bool apply_protocol_settings(SSL_CTX* ctx) {
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
         SSL_CTX_set_cipher_list(ctx, kIntermediateCiphers) == 1;
}

// A context holding one certificate/key pair; Result so a bad pair is a
// message, not a half-configured context.
Result<SslCtxPtr> load_pair(const TlsFiles& files) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx || !apply_protocol_settings(ctx.get())) {
    return Status::Internal("TLS: cannot set up a context: " + openssl_error());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert_file.c_str()) != 1) {
    return Status::InvalidArgument("listen.tls.cert: cannot load the certificate chain from " +
                                   files.cert_file + ": " + openssl_error());
  }
  // Read the key on its own first, so that an unreadable key and a key of
  // another certificate get different messages.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(nullptr, &EVP_PKEY_free);
  if (FILE* f = std::fopen(files.key_file.c_str(), "r")) {
    key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
  }
  if (!key) {
    return Status::InvalidArgument("listen.tls.key: cannot load the private key from " +
                                   files.key_file + ": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("listen.tls: the key in " + files.key_file +
                                   " does not belong to the certificate in " + files.cert_file);
  }
  return ctx;
}

}  // namespace

// The pair new connections get. The listening context holds the first pair;
// each connection is switched to the current pair's context while OpenSSL
// reads the ClientHello, which is how a renewed certificate applies without a
// restart. SSL_set_SSL_CTX takes its own reference, so an old context lives
// on for the connections that still use it.
struct HttpListener::Certificates {
  Mutex mutex;
  SslCtxPtr current GUARDED_BY(mutex){nullptr, &SSL_CTX_free};

  static int on_client_hello(SSL* ssl, int* /*alert*/, void* arg) {
    auto* self = static_cast<Certificates*>(arg);
    MutexLock lock(self->mutex);
    if (self->current) SSL_set_SSL_CTX(ssl, self->current.get());
    return SSL_CLIENT_HELLO_SUCCESS;
  }
};

void HttpListener::SslCtxFree::operator()(SSL_CTX* ctx) const {
  SSL_CTX_free(ctx);
}

HttpListener::HttpListener() : router_(std::make_unique<RequestRouter>()) {}

HttpListener::~HttpListener() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

httplib::Server& HttpListener::server() {
  return *router_;
}

Result<std::unique_ptr<HttpListener>> HttpListener::create(const std::optional<TlsFiles>& tls,
                                                           ListenerLimits limits) {
  std::unique_ptr<HttpListener> listener(new HttpListener());
  listener->limits_ = limits;
  listener->loop_ = std::make_unique<ListenerLoop>(*listener->router_, limits);
  if (!tls) return listener;
  auto pair = load_pair(*tls);
  if (!pair.ok()) return pair.status();
  auto certificates = std::make_shared<Certificates>();
  {
    MutexLock lock(certificates->mutex);
    certificates->current = std::move(pair).value();
  }

  // The listening context serves the same pair (a client hello callback
  // failure must not leave a connection without a certificate).
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_server_method()));
  const bool configured =
      ctx && apply_protocol_settings(ctx.get()) &&
      SSL_CTX_use_certificate_chain_file(ctx.get(), tls->cert_file.c_str()) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx.get(), tls->key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  if (!configured) {
    return Status::Internal("listen.tls: cannot set up the HTTPS server: " + openssl_error());
  }
  SSL_CTX_set_client_hello_cb(ctx.get(), &Certificates::on_client_hello, certificates.get());
  listener->tls_ = tls;
  listener->certificates_ = std::move(certificates);
  listener->listening_ctx_ = std::move(ctx);
  return listener;
}

Result<int> HttpListener::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const std::string where = host + ":" + service;
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status::InvalidArgument("cannot resolve " + where + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    found->ai_protocol);
  if (fd < 0)
    return Status::Internal("cannot open a socket for " + where + ": " + std::strerror(errno));
  // SO_REUSEADDR lets a restart bind while old connections linger in
  // TIME_WAIT; unlike SO_REUSEPORT it never lets two listeners share a port.
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EADDRINUSE) {
      return Status(StatusCode::kAlreadyExists,
                    where +
                        " is already in use: another tierd (or another program) "
                        "listens there; stop it or choose another port");
    }
    return Status::Internal("cannot listen on " + where + ": " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = fd;
  return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void HttpListener::run() {
  if (listen_fd_ < 0) return;
  running_ = true;
  loop_->run(listen_fd_, listening_ctx_.get());
  running_ = false;
}

void HttpListener::stop() {
  loop_->stop();
}

ListenerStats HttpListener::stats() const {
  return loop_->stats();
}

Status HttpListener::reload_certificate(const TlsFiles& files) {
  if (!certificates_) return Status::Ok();
  auto pair = load_pair(files);
  if (!pair.ok()) return pair.status();
  MutexLock lock(certificates_->mutex);
  certificates_->current = std::move(pair).value();
  tls_ = files;
  return Status::Ok();
}

}  // namespace tierd
