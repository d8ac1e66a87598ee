// `tierd serve` as a process: one instance per port and per SQLite store,
// and a request head of 50 MB refused without the memory to hold it.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "http/raw_connection.h"
#include "http/serving_tierd.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;

TEST_CASE("a second tierd on the same port or the same store refuses to start, saying which",
          "[serve]") {
  TempDir dir;
  int sim_port = 0;
  auto sim = start_simulator(dir, sim_port);
  const int port = free_loopback_port();
  auto first = start_tierd(dir, "first", serving_config(port, dir.file("first.db"), sim_port));
  REQUIRE(wait_for_listening_port(*first, 15s));

  auto same_port =
      start_tierd(dir, "same-port", serving_config(port, dir.file("other.db"), sim_port));
  CHECK(same_port->wait(15s) == 1);
  CHECK_THAT(same_port->log(),
             Catch::Contains("127.0.0.1:" + std::to_string(port) + " is already in use"));

  auto same_store = start_tierd(
      dir, "same-store", serving_config(free_loopback_port(), dir.file("first.db"), sim_port));
  CHECK(same_store->wait(15s) == 1);
  CHECK_THAT(same_store->log(),
             Catch::Contains("the store " + dir.file("first.db") +
                             " is already served by another tierd process (pid " +
                             std::to_string(first->pid()) + ", holding " + dir.file("first.db") +
                             ".lock)"));

  CHECK(first->running());
  CHECK(wait_for_http(port, "/healthz", 2s));
}

TEST_CASE("a 50 MB header flood gets 431 and tierd's memory does not grow with it", "[serve]") {
  TempDir dir;
  int sim_port = 0;
  auto sim = start_simulator(dir, sim_port);
  const int port = free_loopback_port();
  auto tierd = start_tierd(dir, "tierd", serving_config(port, dir.file("tierd.db"), sim_port));
  REQUIRE(wait_for_listening_port(*tierd, 15s));
  REQUIRE(wait_for_http(port, "/healthz", 5s));
  const long before = rss_kib(tierd->pid());

  // 50,000 headers of 1 KB on an unauthenticated GET.
  const std::string field = "X-Flood: " + std::string(1014, 'f') + "\r\n";
  RawConnection flood(port);
  bool sent_all = flood.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (int i = 0; i < 50000 && sent_all; ++i) sent_all = flood.send(field);
  const std::string answer = flood.read_until("\r\n\r\n", 10s);
  CHECK(answer.find("HTTP/1.1 431") == 0);

  const long after = rss_kib(tierd->pid());
  std::printf("header flood: %s all 50 MB; tierd RSS %ld KiB before, %ld KiB after\n",
              sent_all ? "sent" : "refused before", before, after);
  CHECK(after - before < 4 * 1024);
  CHECK(wait_for_http(port, "/healthz", 2s));
}
