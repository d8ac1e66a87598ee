// tierd keeps answering the helpdesk while clients abuse its front door:
// 200 idle keep-alive connections, 50 clients sending their headers a byte
// a second and 20 connections that never start their TLS handshake, all
// kept up (re-opened as soon as they are closed) while signed webhooks
// arrive at 50 a second over HTTPS. Every webhook must be answered 200,
// p99 within 100 ms, and tierd's RSS must stay under kRssBoundKiB.
//
// It runs twice: with tierd exposed directly (listen.tls), and behind the
// HAProxy configuration shipped in packaging/haproxy/ (a real haproxy that
// the test starts), and prints both figures. Loopback only. Each run lasts
// TIERD_ABUSE_SECONDS (default 8) of webhooks.
//
// The cases run alone (RUN_SERIAL), yet a shared CI machine can still stall
// a process for seconds. So by default they assert what a delivery needs:
// every webhook answered 200 within Zendesk's 10 s delivery timeout, with
// RSS bounded. TIERD_ABUSE_STRICT=1 also holds p99 to 100 ms, as the
// measurement in the README's production topology section does.
#include <fcntl.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/raw_connection.h"
#include "http/serving_tierd.h"
#include "support/process_harness.h"
#include "zendesk/webhook_payload.h"
#include "zendesk/webhook_signature.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int kIdle = 200;
constexpr int kSlow = 50;
constexpr int kSilent = 20;
constexpr int kWebhooksPerSecond = 50;
constexpr int kSenders = 4;
constexpr long kRssBoundKiB = 64 * 1024;
constexpr auto kP99Bound = 100ms;
constexpr auto kDeliveryTimeout = 10s;
// A sanitizer's shadow memory, quarantine and checks say nothing about
// tierd's own memory and speed, so the bounds hold for the optimised build
// only; every webhook must be answered in both.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kFiguresMeaningful = false;
#else
constexpr bool kFiguresMeaningful = true;
#endif

int abuse_seconds() {
  const char* value = std::getenv("TIERD_ABUSE_SECONDS");
  int seconds = value ? std::atoi(value) : 0;
  return seconds > 0 ? seconds : 8;
}

bool strict_latency() {
  const char* value = std::getenv("TIERD_ABUSE_STRICT");
  return value && std::string(value) == "1";
}

// One TLS connection driven with blocking OpenSSL calls (certificate not
// verified: the attackers do not care).
class TlsConnection {
 public:
  TlsConnection(SSL_CTX* ctx, int port) : tcp_(port) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, tcp_.fd());
    ok_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsConnection() { SSL_free(ssl_); }
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool ok() const { return ok_; }
  bool send(const std::string& bytes) {
    ok_ = ok_ && SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) > 0;
    ERR_clear_error();
    return ok_;
  }
  // Reads one response up to its body "ok" (the /healthz answer).
  bool read_health() {
    std::string got;
    char buf[4096];
    while (ok_ && got.find("\"ok\"") == std::string::npos) {
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) ok_ = false;
      if (n > 0) got.append(buf, static_cast<size_t>(n));
    }
    ERR_clear_error();
    return ok_;
  }
  // From now on reads never block: a TLS 1.3 session ticket makes the
  // socket readable without any data for SSL_read to return.
  void stop_blocking() { ::fcntl(tcp_.fd(), F_SETFL, ::fcntl(tcp_.fd(), F_GETFL) | O_NONBLOCK); }
  // True when the server has closed (or answered and closed) the connection.
  bool closed() {
    if (!ok_) return true;
    pollfd p{tcp_.fd(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char buf[4096];
    const int n = SSL_read(ssl_, buf, sizeof buf);
    const int err = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, n);
    ok_ = n > 0 || err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
    ERR_clear_error();
    return !ok_;
  }

 private:
  RawConnection tcp_;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
};

// Keeps kIdle idle keep-alive, kSlow slow-header and kSilent silent
// connections open against `port` until stop(), re-opening closed ones.
class Abuser {
 public:
  explicit Abuser(int port) : port_(port), ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    for (int i = 0; i < kIdle; ++i) idle_.push_back(open_idle());
    for (int i = 0; i < kSlow; ++i) slow_.push_back(open_slow());
    for (int i = 0; i < kSilent; ++i) silent_.emplace_back(std::make_unique<RawConnection>(port_));
    thread_ = std::thread([this] { run(); });
  }
  ~Abuser() {
    stop_ = true;
    thread_.join();
    idle_.clear();
    slow_.clear();
    SSL_CTX_free(ctx_);
  }
  int reopened() const { return reopened_; }

 private:
  std::unique_ptr<TlsConnection> open_idle() {
    auto c = std::make_unique<TlsConnection>(ctx_, port_);
    c->send(get_request("/healthz"));
    c->read_health();
    c->stop_blocking();
    return c;
  }
  std::unique_ptr<TlsConnection> open_slow() {
    auto c = std::make_unique<TlsConnection>(ctx_, port_);
    c->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    c->stop_blocking();
    return c;
  }
  void run() {
    auto last_byte = Steady::now();
    while (!stop_) {
      for (auto& c : idle_) {
        if (c->closed()) c = open_idle(), ++reopened_;
      }
      const bool byte_due = Steady::now() - last_byte >= 1s;
      for (auto& c : slow_) {
        if (c->closed()) {
          c = open_slow(), ++reopened_;
        } else if (byte_due) {
          c->send("s");
        }
      }
      if (byte_due) last_byte = Steady::now();
      for (auto& c : silent_) {
        if (c->closed_within(0ms)) c = std::make_unique<RawConnection>(port_), ++reopened_;
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  const int port_;
  SSL_CTX* ctx_;
  std::vector<std::unique_ptr<TlsConnection>> idle_, slow_;
  std::vector<std::unique_ptr<RawConnection>> silent_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reopened_{0};
  std::thread thread_;
};

struct Figures {
  int sent = 0;
  int answered = 0;  // 200
  std::chrono::microseconds p50{}, p99{}, max{};
  long rss_max_kib = 0;
};

// Sends signed webhooks over HTTPS to `port` at kWebhooksPerSecond for
// `seconds`, from kSenders keep-alive connections, while sampling the RSS
// of `watched`.
Figures send_webhooks(int port, int seconds, pid_t watched) {
  const int total = kWebhooksPerSecond * seconds;
  std::vector<std::chrono::microseconds> latencies(static_cast<size_t>(total));
  std::vector<int> statuses(static_cast<size_t>(total), 0);
  std::atomic<bool> done{false};
  std::atomic<long> rss_max{rss_kib(watched)};
  std::thread sampler([&] {
    while (!done) {
      rss_max = std::max(rss_max.load(), rss_kib(watched));
      std::this_thread::sleep_for(50ms);
    }
  });
  static std::atomic<int64_t> next_ticket{1'000'000};
  const auto start = Steady::now() + 200ms;
  const auto interval = std::chrono::microseconds(1'000'000 / kWebhooksPerSecond);
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      httplib::SSLClient client("127.0.0.1", port);
      client.enable_server_certificate_verification(false);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_connection_timeout(5s);
      client.set_read_timeout(10s);
      for (int i = s; i < total; i += kSenders) {
        std::this_thread::sleep_until(start + i * interval);
        const int64_t ticket = next_ticket++;
        auto d = signed_delivery(ticket, "abuse-" + std::to_string(ticket));
        httplib::Headers headers = {{std::string(tierd::zendesk::kSignatureHeader), d.signature},
                                    {std::string(tierd::zendesk::kTimestampHeader), d.timestamp}};
        const auto sent = Steady::now();
        auto r = client.Post(std::string(tierd::zendesk::kWebhookPath), headers, d.body,
                             "application/json");
        latencies[static_cast<size_t>(i)] =
            std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - sent);
        statuses[static_cast<size_t>(i)] = r ? r->status : -1;
      }
    });
  }
  for (auto& t : senders) t.join();
  done = true;
  sampler.join();

  Figures f;
  f.sent = total;
  f.answered = static_cast<int>(std::count(statuses.begin(), statuses.end(), 200));
  std::sort(latencies.begin(), latencies.end());
  f.p50 = latencies[latencies.size() / 2];
  f.p99 = latencies[latencies.size() * 99 / 100];
  f.max = latencies.back();
  f.rss_max_kib = rss_max;
  return f;
}

void report(const char* how, const Figures& f, int reopened) {
  std::printf(
      "abuse (%s): %d/%d webhooks answered 200 at %d/s under %d idle, %d slow, %d silent "
      "connections (%d re-opened); latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; tierd RSS "
      "max %ld KiB\n",
      how, f.answered, f.sent, kWebhooksPerSecond, kIdle, kSlow, kSilent, reopened,
      static_cast<double>(f.p50.count()) / 1000, static_cast<double>(f.p99.count()) / 1000,
      static_cast<double>(f.max.count()) / 1000, f.rss_max_kib);
  std::fflush(stdout);
}

// packaging/haproxy/tierd.cfg with its three site values pointed at this test.
std::string haproxy_config(int public_port, const std::string& pem, int tierd_port) {
  std::string config = read_file(std::string(TIERD_SOURCE_DIR) + "/packaging/haproxy/tierd.cfg");
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = config.find(from);
    REQUIRE(at != std::string::npos);
    config.replace(at, from.size(), to);
  };
  replace("bind :443 ssl crt /etc/haproxy/certs/tierd.pem",
          "bind 127.0.0.1:" + std::to_string(public_port) + " ssl crt " + pem);
  replace("server tierd 127.0.0.1:8080", "server tierd 127.0.0.1:" + std::to_string(tierd_port));
  return config;
}

}  // namespace

TEST_CASE("abused directly, tierd answers every webhook in time", "[abuse]") {
  TempDir dir;
  make_certificate(dir, "tls");
  int sim_port = 0;
  auto sim = start_simulator(dir, sim_port);
  const int port = free_loopback_port();
  auto tierd = start_tierd(
      dir, "tierd",
      serving_config(
          port, dir.file("tierd.db"), sim_port,
          {{"listen", {{"tls", {{"cert", dir.file("tls.crt")}, {"key", dir.file("tls.key")}}}}}}));
  REQUIRE(wait_for_listening_port(*tierd, 15s));

  Abuser abuse(port);
  Figures f = send_webhooks(port, abuse_seconds(), tierd->pid());
  report("tierd exposed directly", f, abuse.reopened());
  CHECK(f.answered == f.sent);
  CHECK(f.max < kDeliveryTimeout);
  if (kFiguresMeaningful) {
    if (strict_latency()) CHECK(f.p99 <= kP99Bound);
    CHECK(f.rss_max_kib < kRssBoundKiB);
  }
  CHECK(tierd->running());
}

TEST_CASE("abused behind the shipped HAProxy configuration, tierd answers every webhook in time",
          "[abuse]") {
  TempDir dir;
  make_certificate(dir, "tls");
  write_file(dir.file("tls.pem"), read_file(dir.file("tls.crt")) + read_file(dir.file("tls.key")));
  int sim_port = 0;
  auto sim = start_simulator(dir, sim_port);
  const int tierd_port = free_loopback_port();
  auto tierd =
      start_tierd(dir, "tierd", serving_config(tierd_port, dir.file("tierd.db"), sim_port));
  REQUIRE(wait_for_listening_port(*tierd, 15s));
  const int public_port = free_loopback_port();
  write_file(dir.file("haproxy.cfg"), haproxy_config(public_port, dir.file("tls.pem"), tierd_port));
  Subprocess haproxy({"/usr/sbin/haproxy", "-f", dir.file("haproxy.cfg"), "-db"}, {},
                     dir.file("haproxy.log"));
  httplib::SSLClient probe("127.0.0.1", public_port);
  probe.enable_server_certificate_verification(false);
  bool proxied = false;
  for (int i = 0; i < 100 && !proxied; ++i) {
    auto r = probe.Get("/healthz");
    proxied = r && r->status == 200;
    if (!proxied) std::this_thread::sleep_for(100ms);
  }
  INFO(haproxy.log());
  REQUIRE(proxied);

  Abuser abuse(public_port);
  Figures f = send_webhooks(public_port, abuse_seconds(), tierd->pid());
  report("behind HAProxy", f, abuse.reopened());
  std::printf("abuse (behind HAProxy): haproxy RSS %ld KiB at the end\n", rss_kib(haproxy.pid()));
  CHECK(f.answered == f.sent);
  CHECK(f.max < kDeliveryTimeout);
  if (kFiguresMeaningful) {
    if (strict_latency()) CHECK(f.p99 <= kP99Bound);
    CHECK(f.rss_max_kib < kRssBoundKiB);
  }
  CHECK(tierd->running());
  CHECK(haproxy.running());
}
