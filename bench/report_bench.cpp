// `tierd report` over a week of stored history (a plain program; prints its
// figures). Replays the simulate bench's recorded week (recorded_week.h) for
// N tickets through decide(), stores the run's audit records in a SQLite
// store as the engine would have, then runs the real `tierd report` binary
// over that week and reports its wall time and peak RSS (the child's
// ru_maxrss), so the figure is the command's alone, not this program's.
// Usage: report_bench [TICKETS]   (default 100000; REPORT_BENCH_KEEP=1 keeps the files)
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "recorded_week.h"
#include "reports/export_events.h"
#include "reports/replay.h"
#include "store/sqlite/sqlite_store.h"

extern char** environ;

using namespace tierd;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The config `tierd report` reads: the store and the week's tiers.
void write_config(const std::string& path, const std::string& store_path) {
  nlohmann::json config = {
      {"store", {{"sqlite", {{"path", store_path}}}}},
      {"zendesk", {{"base_url", "https://acme.zendesk.com"}, {"email", "bot@acme.com"}}},
      {"tiers",
       {{{"name", "tier1"}, {"groups", {114001}}, {"escalate_after", "15m"}},
        {{"name", "tier2"}, {"groups", {114002}}, {"escalate_after", "30m"}},
        {{"name", "tier3"}, {"groups", {114003}}}}}};
  std::ofstream(path) << config.dump(2);
}

struct ChildRun {
  int status = -1;
  double seconds = 0;
  double max_rss_mb = 0;
};

// Runs argv[0] with stdout and stderr to `output`; waits for it.
ChildRun run_child(const std::vector<std::string>& args, const std::string& output) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  ChildRun run;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::perror("posix_spawn");
    return run;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  run.seconds = seconds_since(start);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
  return run;
}

// Replays `tickets` tickets of the recorded week and stores the audit
// records. Returns the exit status for the set-up child.
int store_week(long tickets, const std::string& week_file, const std::string& store_path) {
  auto start = std::chrono::steady_clock::now();
  bench::write_recorded_week(week_file, tickets * 5);
  std::ifstream in(week_file);
  EventLines lines = read_event_lines(in);
  ReplayRun run = replay(std::move(lines.events), bench::week_policy(), {});
  std::printf("replayed %zu events of %ld tickets: %zu audit records in %.1f s\n", run.events,
              tickets, run.audit.size(), seconds_since(start));

  start = std::chrono::steady_clock::now();
  {
    auto store = open_sqlite_store({.path = store_path, .synchronous_full = false});
    if (!store.ok()) {
      std::fprintf(stderr, "cannot open store: %s\n", store.status().to_string().c_str());
      return 1;
    }
    constexpr size_t kChunk = 10000;
    for (size_t at = 0; at < run.audit.size(); at += kChunk) {
      std::vector<AuditRecord> chunk(
          run.audit.begin() + static_cast<std::ptrdiff_t>(at),
          run.audit.begin() + static_cast<std::ptrdiff_t>(std::min(at + kChunk, run.audit.size())));
      if (Status s = (*store)->append_audit(chunk); !s.ok()) {
        std::fprintf(stderr, "append_audit: %s\n", s.to_string().c_str());
        return 1;
      }
    }
  }
  std::printf("stored them in %.1f s (store %.0f MB)\n", seconds_since(start),
              static_cast<double>(std::filesystem::file_size(store_path)) / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const long tickets = argc > 1 ? std::atol(argv[1]) : 100000;
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/report-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  const std::string week_file = dir + "/week.jsonl";
  const std::string store_path = dir + "/tierd.db";

  // The set-up runs in a child process of its own, so that this process's
  // peak RSS (which an exec'd child inherits as its ru_maxrss) stays small.
  const pid_t setup = fork();
  if (setup == 0) {
    const int status = store_week(tickets, week_file, store_path);
    std::fflush(nullptr);
    _exit(status);
  }
  int setup_status = 0;
  waitpid(setup, &setup_status, 0);
  if (!WIFEXITED(setup_status) || WEXITSTATUS(setup_status) != 0) return 1;

  const std::string config = dir + "/tierd.json";
  write_config(config, store_path);
  const Instant week = bench::recorded_week_start();
  const ChildRun report =
      run_child({TIERD_BINARY, "report", "--config", config, "--since", format_instant(week),
                 "--until", format_instant(week + std::chrono::hours(24 * 8))},
                dir + "/report.txt");
  std::ifstream out(dir + "/report.txt");
  std::string line;
  for (int n = 0; n < 12 && std::getline(out, line); ++n) std::printf("  | %s\n", line.c_str());
  std::printf("tierd report over %ld tickets: %.2f s, peak RSS %.0f MB, exit status %d\n", tickets,
              report.seconds, report.max_rss_mb, report.status);
  // REPORT_BENCH_KEEP=1 keeps the store and config for profiling the report by hand.
  if (const char* keep = std::getenv("REPORT_BENCH_KEEP"); keep != nullptr && *keep == '1') {
    std::printf("kept %s (store tierd.db, config tierd.json)\n", dir.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
  return report.status == 0 ? 0 : 1;
}
