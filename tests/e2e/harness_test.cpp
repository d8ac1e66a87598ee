#include <catch2/catch.hpp>

#include <csignal>

#include "support/process_harness.h"

using namespace tierd::testing;

TEST_CASE("a child process is started, signalled and reaped", "[harness]") {
  TempDir dir;
  Subprocess p({"/bin/sh", "-c", "echo started; sleep 30"}, {}, dir.file("log"));
  CHECK(p.running());
  REQUIRE(p.wait_for_log("started", std::chrono::seconds(5)));
  p.signal(SIGTERM);
  auto status = p.wait(std::chrono::seconds(5));
  REQUIRE(status.has_value());
  CHECK(*status == 128 + SIGTERM);
}
