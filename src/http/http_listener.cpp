#include "http/http_listener.h"

#include <cstdio>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

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

// The pair new connections get. httplib owns the listening context; each
// connection is switched to the current pair's context while OpenSSL reads
// the ClientHello, which is how a renewed certificate applies without a
// restart. SSL_set_SSL_CTX takes its own reference, so an old context lives
// on for the connections that still use it.
struct HttpListener::Certificates {
  std::mutex mutex;
  SslCtxPtr current{nullptr, &SSL_CTX_free};

  static int on_client_hello(SSL* ssl, int* /*alert*/, void* arg) {
    auto* self = static_cast<Certificates*>(arg);
    std::lock_guard lock(self->mutex);
    if (self->current) SSL_set_SSL_CTX(ssl, self->current.get());
    return SSL_CLIENT_HELLO_SUCCESS;
  }
};

Result<std::unique_ptr<HttpListener>> HttpListener::create(const std::optional<TlsFiles>& tls) {
  std::unique_ptr<HttpListener> listener(new HttpListener());
  if (!tls) {
    listener->server_ = std::make_unique<httplib::Server>();
    return listener;
  }
  auto pair = load_pair(*tls);
  if (!pair.ok()) return pair.status();
  auto certificates = std::make_shared<Certificates>();
  certificates->current = std::move(pair).value();

  bool configured = false;
  Certificates* hook = certificates.get();
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    // The listening context serves the same pair (a client hello callback
    // failure must not leave a connection without a certificate).
    configured = apply_protocol_settings(&ctx) &&
                 SSL_CTX_use_certificate_chain_file(&ctx, tls->cert_file.c_str()) == 1 &&
                 SSL_CTX_use_PrivateKey_file(&ctx, tls->key_file.c_str(), SSL_FILETYPE_PEM) == 1;
    if (configured) SSL_CTX_set_client_hello_cb(&ctx, &Certificates::on_client_hello, hook);
    return configured;
  });
  if (!configured || !server->is_valid()) {
    return Status::Internal("listen.tls: cannot set up the HTTPS server: " + openssl_error());
  }
  listener->tls_ = tls;
  listener->certificates_ = std::move(certificates);
  listener->server_ = std::move(server);
  return listener;
}

HttpListener::~HttpListener() = default;

Status HttpListener::reload_certificate(const TlsFiles& files) {
  if (!certificates_) return Status::Ok();
  auto pair = load_pair(files);
  if (!pair.ok()) return pair.status();
  std::lock_guard lock(certificates_->mutex);
  certificates_->current = std::move(pair).value();
  tls_ = files;
  return Status::Ok();
}

}  // namespace tierd
