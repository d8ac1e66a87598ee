// The process metrics read from /proc, and the build info, as /metrics
// shows them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>

#include "metrics/metrics.h"
#include "metrics/process_metrics.h"

using namespace tierd;

namespace {

// The value of an unlabelled sample line "name value".
double sample(const std::string& text, const std::string& name) {
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex("\n" + name + " ([^\n]+)\n")));
  return std::stod(m[1]);
}

}  // namespace

TEST_CASE("/proc/self/stat is read after the command name, whatever it holds", "[metrics]") {
  // A command name with spaces and a ')' of its own; CPU 250 + 50 ticks,
  // started 1000 ticks after boot, 8 MiB virtual, 512 resident pages.
  const std::string stat =
      "4242 (tierd (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 "
      "8388608 512 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0";
  ProcClock clock{100, 4096, 1700000000};
  auto s = parse_proc_self_stat(stat, clock);
  REQUIRE(s);
  CHECK(s->cpu_seconds == Approx(3.0));
  CHECK(s->start_time_seconds == Approx(1700000010.0));
  CHECK(s->virtual_bytes == Approx(8388608.0));
  CHECK(s->resident_bytes == Approx(512.0 * 4096));

  CHECK_FALSE(parse_proc_self_stat("garbage", clock));
  CHECK_FALSE(parse_proc_self_stat("1 (short) S 1 2 3", clock));
}

TEST_CASE("/metrics carries the build info and this process's own numbers", "[metrics]") {
  Metrics metrics;
  const std::string text = metrics.exposition();
  INFO(text.substr(0, 3000));
  CHECK(std::regex_search(
      text, std::regex("\ntierd_build_info\\{version=\"\\d+\\.\\d+\\.\\d+\"\\} 1\n")));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = sample(text, "process_start_time_seconds");
  CHECK(started <= now + 1);
  CHECK(started > now - 3600);  // this test process started within the hour
  CHECK(sample(text, "process_resident_memory_bytes") > 1024 * 1024);
  CHECK(sample(text, "process_virtual_memory_bytes") >=
        sample(text, "process_resident_memory_bytes"));
  CHECK(sample(text, "process_open_fds") >= 3);
  CHECK(sample(text, "process_max_fds") >= sample(text, "process_open_fds"));
  CHECK(sample(text, "process_cpu_seconds_total") >= 0);
  CHECK(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
}
