// Engine benchmarks (a plain program; prints its figures):
//   clocks N     N running clocks stored in SQLite; restart time and RSS of the
//                reloaded engine (target: 1,000,000 in <= 1 s, process RSS <= 96 MB)
//   lateness N   N deadlines due over 10 s on the wall clock while the engine
//                runs them through decide() and the store: timer lateness
//                p50/p99/max (target p99 <= 1 s)
// Usage: engine_bench clocks 1000000 | engine_bench lateness 20000
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/decide.h"
#include "core/ticket_summary.h"
#include "runtime/clock.h"
#include "engine/engine.h"
#include "metrics/metrics.h"
#include "store/sqlite/sqlite_store.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

Policy bench_policy(Duration budget) {
  Policy p;
  TierPolicy t1;
  t1.name = "tier1";
  t1.groups = {114001};
  t1.budget = budget;
  t1.at_risk_share = 1.0;  // one deadline per ticket: the escalation
  TierPolicy t2;
  t2.name = "tier2";
  t2.groups = {114002};
  p.tiers = {t1, t2};
  return p;
}

// A ticket created in tier 1 whose clock will be due at `due`.
EngineCommit running_ticket(TicketId id, Instant due, const Policy& policy, Duration budget) {
  Instant created = due - budget;
  TicketEvent e;
  e.event_id = "bench-" + std::to_string(id);
  e.kind = EventKind::kCreated;
  e.ticket_id = id;
  e.time = created;
  e.has_snapshot = true;
  e.ticket.id = id;
  e.ticket.status = TicketStatus::kOpen;
  e.ticket.priority = Priority::kNormal;
  e.ticket.group_id = 114001;
  e.ticket.tags = {"billing"};
  e.ticket.tags_known = true;
  e.ticket.created_at = created;
  e.ticket.updated_at = created;
  Decision d = decide(TicketState{}, Input::Event(e), created, policy);
  EngineCommit c;
  c.ticket_id = id;
  c.state_json = to_json(d.state).dump();
  c.summary = summarise(d.state);
  c.deadline = d.next_deadline;
  return c;
}

std::unique_ptr<Store> open(const std::string& path) {
  auto store = open_sqlite_store(SqliteOptions{path, /*synchronous_full=*/false});
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open store: %s\n", store.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(store).value();
}

int bench_clocks(size_t n, const std::string& dir) {
  std::string path = dir + "/clocks.db";
  Duration budget = 24h;
  Policy policy = bench_policy(budget);
  {
    auto store = open(path);
    auto t0 = std::chrono::steady_clock::now();
    Instant base = from_unix_ms(1'900'000'000'000);
    for (size_t i = 0; i < n; i += 10000) {
      std::vector<EngineCommit> batch;
      for (size_t j = i; j < std::min(n, i + 10000); ++j) {
        batch.push_back(running_ticket(static_cast<TicketId>(j + 1), base + std::chrono::seconds(j % 86400),
                                       policy, budget));
      }
      if (Status s = store->commit(batch); !s.ok()) {
        std::fprintf(stderr, "commit: %s\n", s.to_string().c_str());
        return 1;
      }
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("stored %zu running clocks in %.1f s\n", n, secs);
  }
  long before = rss_kib();
  auto t0 = std::chrono::steady_clock::now();
  auto store = open(path);
  SystemClock clock;
  Metrics metrics;
  Engine engine(*store, clock, metrics, std::make_shared<Policy>(policy), EngineOptions{});
  if (Status s = engine.start(); !s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.to_string().c_str());
    return 1;
  }
  auto reload = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  long after = rss_kib();
  std::printf("restart: %zu clocks reloaded in %.2f s; RSS %.1f MB (process), +%.1f MB for the index\n",
              engine.running_clocks(), reload, after / 1024.0, (after - before) / 1024.0);
  engine.stop();
  return 0;
}

int bench_lateness(size_t n, const std::string& dir) {
  Duration budget = 1h;
  Policy policy = bench_policy(budget);
  auto store = open(dir + "/lateness.db");
  SystemClock clock;
  Instant start = clock.now() + 2s;
  std::vector<EngineCommit> batch;
  for (size_t i = 0; i < n; ++i) {
    Instant due = start + Duration(static_cast<int64_t>(i * 10000 / n));
    batch.push_back(running_ticket(static_cast<TicketId>(i + 1), due, policy, budget));
    if (batch.size() == 5000) {
      (void)store->commit(batch);
      batch.clear();
    }
  }
  (void)store->commit(batch);
  std::mutex mu;
  std::vector<double> late_ms;
  EngineOptions options;
  options.on_timer_fired = [&](Duration d) {
    std::lock_guard lock(mu);
    late_ms.push_back(static_cast<double>(d.count()));
  };
  Metrics metrics;
  Engine engine(*store, clock, metrics, std::make_shared<Policy>(policy), options);
  (void)engine.start();
  while (true) {
    std::this_thread::sleep_for(200ms);
    std::lock_guard lock(mu);
    if (late_ms.size() >= n || clock.now() > start + 60s) break;
  }
  engine.stop();
  std::sort(late_ms.begin(), late_ms.end());
  auto pct = [&](double p) { return late_ms[std::min(late_ms.size() - 1, static_cast<size_t>(p * late_ms.size()))]; };
  std::printf("lateness over %zu deadlines due within 10 s (each one decided and committed): p50 %.0f ms, "
              "p99 %.0f ms, max %.0f ms\n",
              late_ms.size(), pct(0.50), pct(0.99), late_ms.back());
  return late_ms.size() == n ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  if (argc < 2) {
    std::fprintf(stderr, "usage: engine_bench clocks N | lateness N\n");
    return 2;
  }
  std::string dir = std::filesystem::temp_directory_path() / ("tierd-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  size_t n = argc > 2 ? std::stoul(argv[2]) : 0;
  int rc = 2;
  if (std::strcmp(argv[1], "clocks") == 0) rc = bench_clocks(n ? n : 1'000'000, dir);
  if (std::strcmp(argv[1], "lateness") == 0) rc = bench_lateness(n ? n : 20'000, dir);
  std::filesystem::remove_all(dir);
  return rc;
}
