// The listener under clients that are idle, slow, silent or oversized: none
// of them may keep a well-behaved request waiting. Each case runs an
// HttpListener in process on a free loopback port with short limits.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/http_listener.h"
#include "http/raw_connection.h"
#include "http/serving_tierd.h"
#include "support/process_harness.h"

using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

ListenerLimits short_limits() {
  ListenerLimits limits;
  limits.workers = 2;
  limits.idle_timeout = 1s;
  limits.head_timeout = 1s;
  limits.max_header_bytes = 8 * 1024;
  limits.max_headers = 20;
  limits.max_body_bytes = 64 * 1024;
  return limits;
}

// A listener serving GET /ping, and GET /slow that holds its worker until
// release() (for filling the worker pool).
class Running {
 public:
  explicit Running(ListenerLimits limits = short_limits(),
                   const std::optional<TlsFiles>& tls = std::nullopt) {
    listener_ = std::move(HttpListener::create(tls, limits)).value();
    listener_->server().Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
    listener_->server().Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      ++slow_started_;
      while (!released_) std::this_thread::sleep_for(5ms);
      res.set_content("done", "text/plain");
    });
    auto port = listener_->bind("127.0.0.1", 0);
    REQUIRE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { listener_->run(); });
  }
  ~Running() {
    release();
    listener_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  HttpListener& listener() { return *listener_; }
  int slow_started() const { return slow_started_; }
  void release() { released_ = true; }

 private:
  std::unique_ptr<HttpListener> listener_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> slow_started_{0};
  std::atomic<bool> released_{false};
};

// GET /ping with a fresh client; the answer's status and how long it took.
std::pair<int, std::chrono::milliseconds> timed_ping(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5s);
  client.set_read_timeout(5s);
  const auto start = std::chrono::steady_clock::now();
  auto r = client.Get("/ping");
  return {r ? r->status : -1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start)};
}

bool answered_promptly(int port) {
  auto [status, took] = timed_ping(port);
  INFO("status " << status << " after " << took.count() << " ms");
  // A request kept waiting by the abusive clients would wait a timeout (1 s).
  return status == 200 && took < 500ms;
}

}  // namespace

TEST_CASE("idle keep-alive connections hold no worker and are closed when idle", "[listener]") {
  Running server;
  std::vector<RawConnection> idle;
  for (int i = 0; i < 20; ++i) {
    idle.emplace_back(server.port());
    REQUIRE(idle.back().send(get_request("/ping")));
    REQUIRE(idle.back().read_until("pong", 2s).find("200 OK") != std::string::npos);
  }
  // Ten times more idle connections than workers.
  CHECK(answered_promptly(server.port()));
  for (auto& c : idle) CHECK(c.closed_within(3s));
  CHECK(server.listener().stats().idle_closed >= 20);
}

TEST_CASE("a kept-alive connection serves requests in turn and pipelined", "[listener]") {
  Running server;
  RawConnection c(server.port());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send(get_request("/ping")));
    CHECK(c.read_until("pong", 2s).find("HTTP/1.1 200 OK") == 0);
  }
  REQUIRE(c.send(get_request("/ping") + get_request("/ping")));
  CHECK(c.read_until("pong", 2s).find("200 OK") != std::string::npos);
  CHECK(c.read_until("pong", 2s).find("200 OK") != std::string::npos);
}

TEST_CASE("slow and silent clients hold no worker and get 408 at the head deadline", "[listener]") {
  Running server;
  std::vector<RawConnection> slow;
  for (int i = 0; i < 10; ++i) {
    slow.emplace_back(server.port());
    REQUIRE(slow.back().send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  }
  std::vector<RawConnection> silent;
  for (int i = 0; i < 10; ++i) silent.emplace_back(server.port());
  // A byte every 100 ms keeps nothing alive past the deadline.
  for (int i = 0; i < 3; ++i) {
    for (auto& c : slow) c.send("a");
    CHECK(answered_promptly(server.port()));
    std::this_thread::sleep_for(100ms);
  }
  for (auto& c : slow) CHECK(c.read_until("\r\n\r\n", 3s).find("HTTP/1.1 408") == 0);
  for (auto& c : silent) CHECK(c.closed_within(3s));
  CHECK(server.listener().stats().head_timeouts >= 20);
}

TEST_CASE("a request head over the byte or field limit gets 431", "[listener]") {
  Running server;
  auto head_with = [](int fields, size_t value_bytes) {
    std::string head = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 1; i < fields; ++i) {
      head += "X-Field-" + std::to_string(i) + ": " + std::string(value_bytes, 'v') + "\r\n";
    }
    return head + "\r\n";
  };
  SECTION("within both limits") {
    RawConnection c(server.port());
    REQUIRE(c.send(head_with(20, 100)));
    CHECK(c.read_until("pong", 2s).find("HTTP/1.1 200 OK") == 0);
  }
  SECTION("one field too many") {
    RawConnection c(server.port());
    c.send(head_with(21, 10));
    CHECK(c.read_until("\r\n\r\n", 2s).find("HTTP/1.1 431 Request Header Fields Too Large") == 0);
  }
  SECTION("too many bytes in a few fields") {
    RawConnection c(server.port());
    c.send(head_with(3, 5000));
    CHECK(c.read_until("\r\n\r\n", 2s).find("HTTP/1.1 431") == 0);
  }
  SECTION("a flood of several megabytes is read no further than the limit") {
    RawConnection c(server.port());
    std::string flood = "GET /ping HTTP/1.1\r\n";
    while (flood.size() < 8u << 20) flood += "X-Flood: " + std::string(1000, 'f') + "\r\n";
    c.send(flood);  // may be cut short once the answer is sent
    CHECK(c.read_until("\r\n\r\n", 5s).find("HTTP/1.1 431") == 0);
  }
  CHECK(answered_promptly(server.port()));
}

TEST_CASE("with every worker busy and the queue full a request gets 503 at once", "[listener]") {
  ListenerLimits limits = short_limits();
  limits.workers = 1;
  limits.head_timeout = 10s;
  Running server(limits);
  RawConnection busy(server.port());
  REQUIRE(busy.send(get_request("/slow")));
  for (int i = 0; i < 200 && server.slow_started() == 0; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(server.slow_started() == 1);
  RawConnection queued(server.port());
  REQUIRE(queued.send(get_request("/ping")));
  std::this_thread::sleep_for(100ms);  // the event thread queues it

  auto [status, took] = timed_ping(server.port());
  CHECK(status == 503);
  CHECK(took < 500ms);
  CHECK(server.listener().stats().busy == 1);

  server.release();
  CHECK(busy.read_until("done", 2s).find("200 OK") != std::string::npos);
  CHECK(queued.read_until("pong", 2s).find("200 OK") != std::string::npos);
}

TEST_CASE("at max_connections the longest idle connection makes room", "[listener]") {
  ListenerLimits limits = short_limits();
  limits.max_connections = 8;
  limits.idle_timeout = 30s;
  Running server(limits);
  std::vector<RawConnection> idle;
  for (int i = 0; i < 8; ++i) {
    idle.emplace_back(server.port());
    REQUIRE(idle.back().send(get_request("/ping")));
    REQUIRE(idle.back().read_until("pong", 2s).find("200 OK") != std::string::npos);
  }
  CHECK(answered_promptly(server.port()));
  CHECK(idle.front().closed_within(1s));
}

TEST_CASE("a second listener on a port in use is refused, saying so", "[listener]") {
  Running first;
  auto second = std::move(HttpListener::create(std::nullopt)).value();
  auto port = second->bind("127.0.0.1", first.port());
  REQUIRE_FALSE(port.ok());
  CHECK(port.status().code() == StatusCode::kAlreadyExists);
  CHECK_THAT(port.status().message(), Catch::Contains("already in use"));
  CHECK(answered_promptly(first.port()));
}

TEST_CASE("silent TLS connections hold no worker and are closed at the head deadline",
          "[listener]") {
  TempDir dir;
  make_certificate(dir, "tls");
  Running server(short_limits(), TlsFiles{dir.file("tls.crt"), dir.file("tls.key")});
  std::vector<RawConnection> silent;
  for (int i = 0; i < 10; ++i) silent.emplace_back(server.port());

  httplib::SSLClient client("127.0.0.1", server.port());
  client.enable_server_certificate_verification(false);
  client.set_read_timeout(5s);
  const auto start = std::chrono::steady_clock::now();
  auto r = client.Get("/ping");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  for (auto& c : silent) CHECK(c.closed_within(3s));
  CHECK(server.listener().stats().head_timeouts >= 10);
}
