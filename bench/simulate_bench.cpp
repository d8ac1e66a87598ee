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
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/export_events.h"
#include "reports/report.h"
#include "reports/replay.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Policy bench_policy() {
  Policy p;
  for (int i = 1; i <= 3; ++i) {
    TierPolicy t;
    t.name = "tier" + std::to_string(i);
    t.groups = {114000 + i};
    if (i == 1) t.budget = 15min;
    if (i == 2) t.budget = 30min;
    p.tiers.push_back(t);
  }
  return p;
}

json delivery(const std::string& type, int64_t ticket, int64_t seq, Instant time,
              const char* status, int64_t actor, std::vector<std::string> tags) {
  std::string when = format_instant(time);
  return {{"type", "zen:event-type:ticket." + type},
          {"account_id", 12514403},
          {"id", "bench-" + std::to_string(seq)},
          {"time", when},
          {"zendesk_event_version", "2022-11-06"},
          {"subject", "zen:ticket:" + std::to_string(ticket)},
          {"detail",
           {{"actor_id", std::to_string(actor)},
            {"assignee_id", "500120"},
            {"created_at", when},
            {"group_id", "114001"},
            {"id", std::to_string(ticket)},
            {"priority", "NORMAL"},
            {"status", status},
            {"subject", "Bench ticket"},
            {"tags", tags},
            {"updated_at", when},
            {"via", {{"channel", "web_form"}}}}},
          {"event", json::object()}};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  long events = argc > 1 ? std::atol(argv[1]) : 100000;
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("simulate_bench_" + std::to_string(getpid()) + ".jsonl");
  std::mt19937 rng(7);
  Instant week = *parse_instant("2025-03-10T00:00:00Z");
  {
    std::ofstream out(file);
    // Per ticket: created, pending, open, tags changed, solved; a ticket's
    // events are minutes apart, tickets start anywhere in the week. Lines are
    // written ticket by ticket, so replay() has to sort them.
    int64_t seq = 0;
    for (int64_t ticket = 1; seq < events; ++ticket) {
      Instant t = week + std::chrono::minutes(rng() % (7 * 24 * 60));
      out << delivery("created", ticket, ++seq, t, "NEW", 902001, {"billing"}).dump() << "\n";
      t += std::chrono::minutes(rng() % 20);
      out << delivery("status_changed", ticket, ++seq, t, "PENDING", 500120, {"billing"}).dump()
          << "\n";
      t += std::chrono::minutes(rng() % 60);
      out << delivery("status_changed", ticket, ++seq, t, "OPEN", 902001, {"billing"}).dump()
          << "\n";
      t += std::chrono::minutes(rng() % 30);
      out << delivery("tags_changed", ticket, ++seq, t, "OPEN", 500120, {"billing", "vip"}).dump()
          << "\n";
      t += std::chrono::minutes(rng() % 90);
      out << delivery("status_changed", ticket, ++seq, t, "SOLVED", 500120, {"billing", "vip"})
                 .dump()
          << "\n";
    }
  }
  std::printf("file: %s, %.1f MB\n", file.c_str(),
              static_cast<double>(std::filesystem::file_size(file)) / 1e6);

  auto start = std::chrono::steady_clock::now();
  std::ifstream in(file);
  EventLines lines = read_event_lines(in);
  double read_s = seconds_since(start);

  Policy policy = bench_policy();
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
