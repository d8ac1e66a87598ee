// `tierd simulate` throughput (a plain program; prints its figures): writes a
// JSONL file of N Zendesk event deliveries (a fifth of them ticket creations,
// then status changes, tag changes and solves spread over a week), then times
// reading it (the production webhook mapping), the virtual-clock run through
// decide(), and the report over the run's audit records.
// Usage: simulate_bench [EVENTS]   (default 100000)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "recorded_week.h"
#include "reports/export_events.h"
#include "reports/replay.h"
#include "reports/report.h"

using namespace tierd;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  long events = argc > 1 ? std::atol(argv[1]) : 100000;
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("simulate_bench_" + std::to_string(getpid()) + ".jsonl");
  bench::write_recorded_week(file.string(), events);
  std::printf("file: %s, %.1f MB\n", file.c_str(),
              static_cast<double>(std::filesystem::file_size(file)) / 1e6);

  auto start = std::chrono::steady_clock::now();
  std::ifstream in(file);
  EventLines lines = read_event_lines(in);
  double read_s = seconds_since(start);

  Policy policy = bench::week_policy();
  auto sim_start = std::chrono::steady_clock::now();
  ReplayRun run = replay(std::move(lines.events), policy, {});
  double sim_s = seconds_since(sim_start);

  auto report_start = std::chrono::steady_clock::now();
  TierReport report = build_report(run.audit, policy, run.started, run.ended);
  double report_s = seconds_since(report_start);
  double total_s = seconds_since(start);

  std::printf("events: %zu replayed, %zu deadlines fired, %zu decisions, %zu audit records\n",
              run.events, run.ticks, run.decisions.size(), run.audit.size());
  std::printf("tiers: %s entered %lld, escalated out %lld; %s entered %lld\n",
              report.tiers[0].name.c_str(), static_cast<long long>(report.tiers[0].entered),
              static_cast<long long>(report.tiers[0].escalated_out), report.tiers[2].name.c_str(),
              static_cast<long long>(report.tiers[2].entered));
  std::printf(
      "read + map: %.2f s, simulate: %.2f s, report: %.2f s, total: %.2f s (%.0f events/s)\n",
      read_s, sim_s, report_s, total_s, static_cast<double>(run.events) / total_s);
  std::filesystem::remove(file);
  return 0;
}
