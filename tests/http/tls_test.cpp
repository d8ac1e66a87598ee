// HTTPS on both sides: tierd's listener (listen.tls) and its client to the
// helpdesk (certificate verification, zendesk.ca_file). Certificates are made
// for each test with the openssl command and trusted through a CA file, the
// way an admin with a private CA would.
#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "http/http_listener.h"
#include "support/process_harness.h"
#include "zendesk/api_client.h"

using namespace tierd;
using namespace tierd::testing;

namespace {

// A self-signed certificate for 127.0.0.1 with `common_name`, in `dir`.
TlsFiles make_certificate(const TempDir& dir, const std::string& name,
                          const std::string& common_name) {
  TlsFiles files{dir.path() + "/" + name + ".crt", dir.path() + "/" + name + ".key"};
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj '/CN=" +
      common_name +
      "' -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' "
      "-keyout '" +
      files.key_file + "' -out '" + files.cert_file + "' 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  return files;
}

// An HttpListener serving GET /ping on a free loopback port, on its own thread.
class RunningListener {
 public:
  explicit RunningListener(std::unique_ptr<HttpListener> listener)
      : listener_(std::move(listener)) {
    listener_->server().Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
    listener_->server().Get(
        "/api/v2/users/me.json", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(
              R"({"user": {"id": 400001, "name": "tierd", "role": "admin", "active": true}})",
              "application/json");
        });
    auto port = listener_->bind("127.0.0.1", 0);
    REQUIRE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { listener_->run(); });
  }
  ~RunningListener() {
    listener_->stop();
    thread_.join();
  }
  HttpListener& listener() { return *listener_; }
  int port() const { return port_; }

 private:
  std::unique_ptr<HttpListener> listener_;
  std::thread thread_;
  int port_ = 0;
};

// Completes a TLS handshake with the listener using only `ciphers` (TLS 1.2);
// returns the subject CN the server presented, or "" when the handshake failed.
std::string handshake(int port, const char* ciphers, int max_version = TLS1_3_VERSION) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  if (ciphers != nullptr) SSL_CTX_set_cipher_list(ctx.get(), ciphers);
  BIO* bio = BIO_new_ssl_connect(ctx.get());
  const std::string target = "127.0.0.1:" + std::to_string(port);
  BIO_set_conn_hostname(bio, target.c_str());
  std::string cn;
  if (BIO_do_handshake(bio) == 1) {
    SSL* ssl = nullptr;
    BIO_get_ssl(bio, &ssl);
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      char buf[256] = {0};
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
      cn = buf;
      X509_free(cert);
    }
  }
  BIO_free_all(bio);
  return cn;
}

httplib::Result get_ping(int port, const std::string& ca_file) {
  httplib::SSLClient client("127.0.0.1", port);
  client.enable_server_certificate_verification(true);
  client.set_ca_cert_path(ca_file.c_str());
  client.set_connection_timeout(5);
  return client.Get("/ping");
}

}  // namespace

TEST_CASE("an HTTPS listener answers a client that trusts its certificate", "[integration][tls]") {
  TempDir dir;
  TlsFiles pair = make_certificate(dir, "server", "tierd-one");
  auto listener = HttpListener::create(pair);
  REQUIRE(listener.ok());
  CHECK((*listener)->tls());
  RunningListener running(std::move(listener).value());

  auto res = get_ping(running.port(), pair.cert_file);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "pong");

  // A client that does not trust the certificate gets no answer.
  TlsFiles other = make_certificate(dir, "other", "someone-else");
  CHECK_FALSE(get_ping(running.port(), other.cert_file));
}

TEST_CASE("the HTTPS listener offers TLS 1.2+ with forward-secret AEAD ciphers only",
          "[integration][tls]") {
  TempDir dir;
  TlsFiles pair = make_certificate(dir, "server", "tierd-one");
  auto listener = HttpListener::create(pair);
  REQUIRE(listener.ok());
  RunningListener running(std::move(listener).value());

  CHECK(handshake(running.port(), nullptr) == "tierd-one");
  CHECK(handshake(running.port(), "ECDHE-ECDSA-AES128-GCM-SHA256", TLS1_2_VERSION) == "tierd-one");
  // CBC without forward secrecy is outside the intermediate list.
  CHECK(handshake(running.port(), "ECDHE-ECDSA-AES128-SHA", TLS1_2_VERSION) == "");
  CHECK(handshake(running.port(), "AES128-GCM-SHA256", TLS1_2_VERSION) == "");
  CHECK(handshake(running.port(), nullptr, TLS1_1_VERSION) == "");
}

TEST_CASE("a renewed certificate applies to new connections without a restart",
          "[integration][tls]") {
  TempDir dir;
  TlsFiles first = make_certificate(dir, "first", "tierd-one");
  auto listener = HttpListener::create(first);
  REQUIRE(listener.ok());
  RunningListener running(std::move(listener).value());
  REQUIRE(handshake(running.port(), nullptr) == "tierd-one");

  TlsFiles renewed = make_certificate(dir, "renewed", "tierd-two");
  REQUIRE(running.listener().reload_certificate(renewed).ok());
  CHECK(handshake(running.port(), nullptr) == "tierd-two");
  auto res = get_ping(running.port(), renewed.cert_file);
  REQUIRE(res);
  CHECK(res->status == 200);

  // A key that does not match its certificate is refused; the running pair stays.
  TlsFiles mismatched{first.cert_file, renewed.key_file};
  Status s = running.listener().reload_certificate(mismatched);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("does not belong") != std::string::npos);
  Status missing =
      running.listener().reload_certificate({dir.path() + "/nope.crt", first.key_file});
  CHECK(missing.message().find("listen.tls.cert") != std::string::npos);
  CHECK(handshake(running.port(), nullptr) == "tierd-two");
}

TEST_CASE("a listener whose certificate cannot be loaded is not created", "[integration][tls]") {
  TempDir dir;
  TlsFiles pair = make_certificate(dir, "server", "tierd-one");
  write_file(dir.path() + "/garbage.key", "not a key\n");
  auto listener = HttpListener::create(TlsFiles{pair.cert_file, dir.path() + "/garbage.key"});
  REQUIRE_FALSE(listener.ok());
  CHECK(listener.status().message().find("listen.tls.key") != std::string::npos);

  auto plain = HttpListener::create(std::nullopt);
  REQUIRE(plain.ok());
  CHECK_FALSE((*plain)->tls());
}

TEST_CASE("the helpdesk client verifies the server certificate, trusting ca_file",
          "[integration][tls]") {
  TempDir dir;
  TlsFiles pair = make_certificate(dir, "helpdesk", "helpdesk");
  auto listener = HttpListener::create(pair);
  REQUIRE(listener.ok());
  RunningListener running(std::move(listener).value());

  ZendeskApiOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(running.port());
  options.email = "bot@example.com";
  options.api_token = "token";
  options.timeout = std::chrono::seconds(5);

  SECTION("trusted through ca_file") {
    options.ca_file = pair.cert_file;
    ZendeskApiClient client(options);
    auto me = client.current_user();
    REQUIRE(me.ok());
    CHECK(me->id == 400001);
  }
  SECTION("an untrusted certificate is refused for good, not retried in clear") {
    ZendeskApiClient client(options);  // the system CA store does not know this one
    auto me = client.current_user();
    REQUIRE_FALSE(me.ok());
    CHECK(me.status().code() == StatusCode::kPermissionDenied);
    CHECK(me.status().message().find("TLS certificate") != std::string::npos);
  }
  SECTION("a certificate for another host name is refused") {
    TlsFiles wrong_name = make_certificate(dir, "wrong", "elsewhere");
    // Same CA file trick, but the listener presents a certificate whose SAN
    // does not cover the host the client dialled.
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 2 -subj '/CN=elsewhere' -addext "
        "'subjectAltName=DNS:elsewhere.example' -keyout '" +
        wrong_name.key_file + "' -out '" + wrong_name.cert_file + "' 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    REQUIRE(running.listener().reload_certificate(wrong_name).ok());
    options.ca_file = wrong_name.cert_file;
    ZendeskApiClient client(options);
    auto me = client.current_user();
    REQUIRE_FALSE(me.ok());
    CHECK(me.status().code() == StatusCode::kPermissionDenied);
  }
}
