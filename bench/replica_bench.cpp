// Replicas on one PostgreSQL server (a plain program; prints its figures):
// `tierd serve` processes with a `cluster` section and `store.postgres`, a
// real PostgreSQL server (tests/support/postgres_server.h) and zendesk-sim,
// all on this machine. Each run starts a fresh database, simulator and set of
// replicas (16 shards, 3 s leases) and waits until the shards are spread.
//
//   ingest   the same closed-loop webhook load (8 keep-alive clients, signed
//            deliveries about distinct tickets, bench/webhook_load.h) against
//            1 replica, then against 3, the clients spread over the replicas
//            directly (client c sends to replica c % n; no load balancer in
//            between). A 200 comes only after the inbox commit; the inbox
//            rows are counted afterwards. Figure: 3-replica / 1-replica rate.
//   storm    N tickets in tier 1 (budget 1 s) seeded into the database as the
//            engine would have (bench/storm_seed.h), their clocks all due at
//            one instant; 1 or 3 replicas started and the shards spread
//            before it. The drain is the time from that instant until no
//            clock runs and no write is pending; every ticket must then be in
//            group 114002 in the simulator. The account
//            limit is the simulator's (700/min unless given); the replicas
//            split tierd's share of it (0.8) by the shards each owns, so
//            together they spend what one would.
//   latency  3 replicas; one delivery at a time (10 a second) sent to a
//            replica X that does not own the ticket's shard; the time from
//            sending until the owner Y commits its decision (the inbox row
//            marked processed, seen through a trigger's NOTIFY on a LISTENing
//            connection of this program's own). Target: p99 <= 250 ms.
//
// Usage: replica_bench [--runs ingest,storm,latency] [--seconds S] [--clients C]
//                      [--storm-tickets N] [--rate-limit R] [--samples K]
#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cluster/shard_map.h"
#include "runtime/clock.h"
#include "sim/common/sim_client.h"
#include "store/postgres/postgres_store.h"
#include "storm_seed.h"
#include "support/postgres_server.h"
#include "support/process_harness.h"
#include "webhook_load.h"

using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using bench::RunResult;
using Steady = std::chrono::steady_clock;

constexpr int kShards = 16;
constexpr const char* kSecret = "replica-bench-secret";

struct Options {
  std::string runs = "ingest,storm,latency";
  double seconds = 5;
  int clients = 8;
  size_t storm_tickets = 5000;
  int rate_limit = 700;
  int samples = 300;
  bool selected(std::string_view name) const { return runs.find(name) != std::string::npos; }
};

double seconds_since(Steady::time_point t0) {
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

double ms_since(Steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

// n `tierd serve` replicas on a fresh database of `pg`, writing to `sim_port`.
class Replicas {
 public:
  Replicas(PostgresServer& pg, const std::string& database, int sim_port, const json& tiers)
      : url_(pg.create_database(database)), sim_port_(sim_port), tiers_(tiers) {}

  const std::string& url() const { return url_; }
  const std::vector<int>& ports() const { return ports_; }

  // Starts replica number ports().size(); false (with its log) when it does
  // not answer /healthz.
  bool start_one() {
    const int i = static_cast<int>(ports_.size());
    const int port = free_loopback_port();
    json config = {
        {"listen", {{"host", "127.0.0.1"}, {"port", port}, {"threads", 16}}},
        {"store", {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}}},
        {"cluster",
         {{"shards", kShards}, {"lease_ttl", "3s"}, {"replica_id", "r" + std::to_string(i)}}},
        {"tiers", tiers_},
        {"reconcile", {{"enabled", false}}},
        {"log", {{"level", "info"}}},
        {"zendesk",
         {{"base_url", "http://127.0.0.1:" + std::to_string(sim_port_)},
          {"email", bench::kEmail},
          {"api_token_env", "TIERD_ZENDESK_TOKEN"},
          {"webhook_secret_env", "TIERD_WEBHOOK_SECRET"},
          {"timeout", "2s"}}}};
    const std::string config_path = dir_.file("r" + std::to_string(i) + ".json");
    write_file(config_path, config.dump(2));
    ports_.push_back(port);
    processes_.push_back(std::make_unique<Subprocess>(
        std::vector<std::string>{TIERD_BINARY, "serve", "--config", config_path},
        std::map<std::string, std::string>{{"TIERD_POSTGRES_URL", url_},
                                           {"TIERD_ZENDESK_TOKEN", bench::kToken},
                                           {"TIERD_WEBHOOK_SECRET", kSecret}},
        dir_.file("r" + std::to_string(i) + ".log")));
    if (!wait_for_http(port, "/healthz", 20s)) {
      std::fprintf(stderr, "replica r%d did not become ready:\n%s\n", i,
                   processes_.back()->log().c_str());
      return false;
    }
    return true;
  }

  // The shards each replica's /healthz says it acts on (empty on no answer).
  std::vector<std::set<int>> shards() const {
    std::vector<std::set<int>> out(ports_.size());
    for (size_t i = 0; i < ports_.size(); ++i) {
      httplib::Client client("127.0.0.1", ports_[i]);
      client.set_read_timeout(2s);
      auto res = client.Get("/healthz");
      if (!res || res->status != 200) continue;
      auto body = json::parse(res->body, nullptr, false);
      if (body.is_discarded() || !body.contains("shards")) continue;
      out[i] = body.at("shards").get<std::set<int>>();
    }
    return out;
  }

  // Waits until every shard is owned once and every replica owns some.
  bool wait_spread(std::chrono::seconds timeout) const {
    const auto until = Steady::now() + timeout;
    while (Steady::now() < until) {
      std::multiset<int> seen;
      bool each_has_some = true;
      for (const auto& owned : shards()) {
        each_has_some = each_has_some && !owned.empty();
        seen.insert(owned.begin(), owned.end());
      }
      bool once = seen.size() == kShards;
      for (int s = 0; once && s < kShards; ++s) once = seen.count(s) == 1;
      if (once && each_has_some) return true;
      std::this_thread::sleep_for(100ms);
    }
    std::fprintf(stderr, "the shards were not spread over %zu replicas within %llds\n",
                 ports_.size(), static_cast<long long>(timeout.count()));
    return false;
  }

  bool start(int n) {
    for (int i = 0; i < n; ++i) {
      if (!start_one()) return false;
    }
    return wait_spread(60s);
  }

 private:
  TempDir dir_;
  std::string url_;
  int sim_port_;
  json tiers_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<Subprocess>> processes_;
};

// Tier 1 with an hour's budget: the ingest and latency runs start clocks and
// write nothing to the helpdesk.
json quiet_tiers() {
  return json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "1h"},
                         {"name": "tier2", "groups": [114002]}])");
}

// The configuration allows an at-risk share below 1 only: the storm's policy
// with 0.99, so that the escalation is still the one write.
Policy storm_policy() {
  Policy p = bench::storm_policy();
  p.tiers[0].at_risk_share = 0.99;
  return p;
}

// storm_policy() as configuration.
json storm_tiers() {
  return json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "1s",
                          "at_risk_share": 0.99},
                         {"name": "tier2", "groups": [114002]}])");
}

std::optional<int> start_sim(bench::SimProcess& sim, const std::string& log, int rate_limit) {
  return sim.start(bench::Vendor::kZendesk, ZENDESK_SIM_BINARY, log, rate_limit);
}

int64_t count_rows(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction txn(conn);
  return txn.exec1(sql)[0].as<int64_t>();
}

struct IngestFigures {
  RunResult run;
  int64_t stored = 0;
  int64_t transactions = 0;  // committed in the database during the run, every replica's
};

// The database's committed transactions so far, as the statistics collector
// last reported them (each backend reports at most once a second).
int64_t committed_transactions(const std::string& url) {
  return count_rows(url,
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
}

std::optional<IngestFigures> ingest_run(PostgresServer& pg, const Options& o, int replicas,
                                        const std::string& scratch) {
  bench::SimProcess sim;
  auto sim_port = start_sim(sim, scratch + "/sim-ingest.log", 100000);
  if (!sim_port) return std::nullopt;
  Replicas set(pg, "ingest" + std::to_string(replicas), *sim_port, quiet_tiers());
  if (!set.start(replicas)) return std::nullopt;
  const bench::DeliveryFactory factory(kSecret, /*spread_tickets=*/true);
  IngestFigures out;
  std::this_thread::sleep_for(1500ms);
  const int64_t before = committed_transactions(set.url());
  out.run = bench::closed_loop(set.ports(), factory, "i" + std::to_string(replicas) + "-",
                               o.clients, o.seconds);
  std::this_thread::sleep_for(1500ms);
  out.transactions = committed_transactions(set.url()) - before;
  out.stored = count_rows(set.url(), "SELECT count(*) FROM inbox");
  return out;
}

struct StormFigures {
  double drain_s = 0;
  double spread_s = 0;  // from the first start until the shards were spread
  size_t escalated = 0;
  size_t tickets = 0;
  std::map<std::string, int> requests;  // API requests by endpoint, and "429"
};

// The simulator's request log as counts: "update_many", "job_statuses",
// "PUT ticket", "GET ticket" and "other", plus the 429 answers.
std::map<std::string, int> tally_requests(const json& log) {
  std::map<std::string, int> out;
  for (const auto& r : log) {
    const std::string method = r.value("method", "");
    const std::string path = r.value("path", "");
    if (path.rfind("/api/v2/", 0) != 0) continue;
    if (r.value("status", 0) == 429) ++out["429"];
    if (path == "/api/v2/tickets/update_many.json") {
      ++out["update_many"];
    } else if (path.rfind("/api/v2/job_statuses", 0) == 0) {
      ++out["job_statuses"];
    } else if (path.rfind("/api/v2/tickets/", 0) == 0) {
      ++out[method + " ticket"];
    } else {
      ++out["other"];
    }
  }
  return out;
}

std::optional<StormFigures> storm_run(PostgresServer& pg, const Options& o, int replicas,
                                      const std::string& scratch) {
  bench::SimProcess sim;
  auto sim_port =
      start_sim(sim, scratch + "/sim-storm" + std::to_string(replicas) + ".log", o.rate_limit);
  if (!sim_port) return std::nullopt;
  Replicas set(pg, "storm" + std::to_string(replicas), *sim_port, storm_tiers());
  sim::SimClient control(*sim_port);
  control.set_read_timeout_ms(60000);
  // Every clock falls due at one instant, after the seeding (under 1 ms per
  // ticket) and once the replicas have spread the shards between them.
  SystemClock clock;
  const auto due_at = clock.now() + 8s + std::chrono::milliseconds(2 * o.storm_tickets);
  std::optional<bench::Seeded> seeded;
  {
    auto store = open_postgres_store(set.url());
    if (!store.ok()) {
      std::fprintf(stderr, "cannot open the store: %s\n", store.status().to_string().c_str());
      return std::nullopt;
    }
    const auto t_seed = Steady::now();
    seeded = bench::seed(bench::Vendor::kZendesk, control, **store, storm_policy(), o.storm_tickets,
                         due_at);
    if (!seeded) return std::nullopt;
    std::printf("storm, %d replica%s: seeded %zu tickets in %.1f s\n", replicas,
                replicas == 1 ? "" : "s", seeded->ids.size(), seconds_since(t_seed));
  }
  if (control.del("/sim/requests").status != 200) return std::nullopt;
  StormFigures out;
  out.tickets = seeded->ids.size();
  const auto t_start = Steady::now();
  if (!set.start(replicas)) return std::nullopt;
  out.spread_s = seconds_since(t_start);
  if (clock.now() >= due_at) {
    std::fprintf(stderr, "storm: the clocks fell due before the shards were spread\n");
    return std::nullopt;
  }
  while (clock.now() < due_at) std::this_thread::sleep_for(1ms);
  const auto t0 = Steady::now();
  pqxx::connection conn(set.url());
  for (;;) {
    pqxx::nontransaction txn(conn);
    const auto row = txn.exec1(
        "SELECT (SELECT count(*) FROM tickets WHERE deadline_ms IS NOT NULL), "
        "(SELECT count(*) FROM outbox WHERE state = 'pending')");
    if (row[0].as<int64_t>() == 0 && row[1].as<int64_t>() == 0) break;
    if (seconds_since(t0) > 900) {
      std::fprintf(stderr, "storm not drained after 900 s\n");
      return std::nullopt;
    }
    txn.commit();
    std::this_thread::sleep_for(50ms);
  }
  out.drain_s = seconds_since(t0);
  auto log = control.get("/sim/requests");
  if (log.status == 200) out.requests = tally_requests(log.body.value("requests", json::array()));
  for (TicketId id : seeded->ids) {
    auto reply = control.get("/sim/tickets/" + std::to_string(id));
    if (reply.status == 200 && reply.body.contains("ticket") &&
        reply.body["ticket"].value("group_id", int64_t{0}) == bench::kTier2Group) {
      ++out.escalated;
    }
  }
  return out;
}

struct LatencyFigures {
  std::vector<double> sent_ms;   // from sending to X until Y's commit
  std::vector<double> acked_ms;  // from X's 200 until Y's commit
  size_t missed = 0;
};

double pick(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

std::optional<LatencyFigures> latency_run(PostgresServer& pg, const Options& o,
                                          const std::string& scratch) {
  bench::SimProcess sim;
  auto sim_port = start_sim(sim, scratch + "/sim-latency.log", 100000);
  if (!sim_port) return std::nullopt;
  Replicas set(pg, "latency", *sim_port, quiet_tiers());
  if (!set.start(3)) return std::nullopt;
  // Y's decision commit marks the row processed; the trigger's NOTIFY is
  // delivered at that commit.
  pqxx::connection listen(set.url());
  {
    pqxx::nontransaction txn(listen);
    txn.exec0(
        "CREATE FUNCTION bench_decided() RETURNS trigger AS $$ BEGIN "
        "IF NEW.processed AND NOT OLD.processed THEN PERFORM pg_notify('bench_decided', "
        "NEW.event_id); END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
    txn.exec0(
        "CREATE TRIGGER bench_decided AFTER UPDATE ON inbox FOR EACH ROW "
        "EXECUTE FUNCTION bench_decided()");
  }
  struct Receiver final : pqxx::notification_receiver {
    Receiver(pqxx::connection_base& c) : pqxx::notification_receiver(c, "bench_decided") {}
    void operator()(const std::string& payload, int) override { seen.insert(payload); }
    std::set<std::string> seen;
  } receiver(listen);

  const auto owners = set.shards();
  std::map<int, size_t> owner_of;
  for (size_t r = 0; r < owners.size(); ++r) {
    for (int s : owners[r]) owner_of[s] = r;
  }
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int port : set.ports()) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", port));
    clients.back()->set_keep_alive(true);
    clients.back()->set_tcp_nodelay(true);
  }
  const bench::DeliveryFactory factory(kSecret, /*spread_tickets=*/true);
  LatencyFigures out;
  auto next = Steady::now();
  for (int i = 0; i < o.samples; ++i) {
    next += 100ms;
    const uint64_t n = static_cast<uint64_t>(i);
    const int shard = cluster::shard_of(bench::DeliveryFactory::ticket_of(n), kShards);
    const size_t x = (owner_of[shard] + 1 + static_cast<size_t>(i) % 2) % clients.size();
    const std::string event_id = "lat-" + std::to_string(i);
    bench::Delivery d = factory.make(event_id, n);
    const auto sent = Steady::now();
    auto res = clients[x]->Post("/webhooks/zendesk", d.headers, d.body, "application/json");
    const auto acked = Steady::now();
    if (!res || res->status != 200) {
      ++out.missed;
      continue;
    }
    while (receiver.seen.count(event_id) == 0 && Steady::now() - sent < 5s) {
      listen.await_notification(0, 10000);
    }
    if (receiver.seen.count(event_id) == 0) {
      ++out.missed;
      continue;
    }
    out.sent_ms.push_back(ms_since(sent));
    out.acked_ms.push_back(ms_since(acked));
    std::this_thread::sleep_until(next);
  }
  return out;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") o.runs = argv[i + 1];
    if (flag == "--seconds") o.seconds = std::atof(argv[i + 1]);
    if (flag == "--clients") o.clients = std::atoi(argv[i + 1]);
    if (flag == "--storm-tickets") o.storm_tickets = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--rate-limit") o.rate_limit = std::atoi(argv[i + 1]);
    if (flag == "--samples") o.samples = std::atoi(argv[i + 1]);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  TempDir scratch;
  std::unique_ptr<PostgresServer> pg;
  try {
    pg = std::make_unique<PostgresServer>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot start PostgreSQL: %s\n", e.what());
    return 1;
  }
  std::printf("replica bench: PostgreSQL on 127.0.0.1:%d, %d shards, logs in %s\n", pg->port(),
              kShards, scratch.path().c_str());
  bool ok = true;

  if (o.selected("ingest")) {
    std::printf("ingest: %d clients, %.0f s per run, spread directly over the replicas\n",
                o.clients, o.seconds);
    std::optional<IngestFigures> runs[2];
    const int counts[2] = {1, 3};
    for (int k = 0; k < 2; ++k) {
      runs[k] = ingest_run(*pg, o, counts[k], scratch.path());
      if (!runs[k]) {
        ok = false;
        break;
      }
      RunResult& r = runs[k]->run;
      std::printf(
          "ingest, %d replica%s: %zu ok, %zu failed, %.0f events/s, ack p50 %.2f ms p99 %.2f ms "
          "max %.2f ms; inbox rows %lld; %.2f transactions per delivery\n",
          counts[k], counts[k] == 1 ? "" : "s", r.ok, r.failed, r.per_second(), r.percentile(0.5),
          r.percentile(0.99), r.percentile(1.0), static_cast<long long>(runs[k]->stored),
          r.ok > 0 ? static_cast<double>(runs[k]->transactions) / static_cast<double>(r.ok) : 0);
      // Every acknowledged delivery (and each client's untimed first one) is stored.
      if (runs[k]->stored < static_cast<int64_t>(r.ok)) {
        std::fprintf(stderr, "ingest: %lld rows stored for %zu acknowledged\n",
                     static_cast<long long>(runs[k]->stored), r.ok);
        ok = false;
      }
    }
    if (runs[0] && runs[1] && runs[0]->run.per_second() > 0) {
      std::printf("ingest 3 replicas / 1 replica: %.2f\n",
                  runs[1]->run.per_second() / runs[0]->run.per_second());
    }
  }

  if (o.selected("storm")) {
    std::printf("storm: %zu tickets due at once, account limit %d/min\n", o.storm_tickets,
                o.rate_limit);
    std::optional<StormFigures> runs[2];
    const int counts[2] = {1, 3};
    for (int k = 0; k < 2; ++k) {
      runs[k] = storm_run(*pg, o, counts[k], scratch.path());
      if (!runs[k]) {
        ok = false;
        break;
      }
      std::printf(
          "storm, %d replica%s: drain time %.2f s (shards spread after %.2f s), %zu of %zu "
          "tickets in group 114002\n",
          counts[k], counts[k] == 1 ? "" : "s", runs[k]->drain_s, runs[k]->spread_s,
          runs[k]->escalated, runs[k]->tickets);
      std::printf("storm, %d replica%s: API requests:", counts[k], counts[k] == 1 ? "" : "s");
      for (const auto& [what, n] : runs[k]->requests) std::printf(" %s %d", what.c_str(), n);
      std::printf("\n");
      if (runs[k]->escalated != runs[k]->tickets) ok = false;
    }
    if (runs[0] && runs[1] && runs[1]->drain_s > 0) {
      std::printf("storm drain 1 replica / 3 replicas: %.2f\n",
                  runs[0]->drain_s / runs[1]->drain_s);
    }
  }

  if (o.selected("latency")) {
    auto figures = latency_run(*pg, o, scratch.path());
    if (!figures) {
      ok = false;
    } else {
      auto& f = *figures;
      const double p99 = pick(f.sent_ms, 0.99);
      std::printf(
          "latency, webhook to another replica until the owner's commit: %zu samples, %zu missed, "
          "p50 %.1f ms p99 %.1f ms max %.1f ms (from the 200: p50 %.1f ms p99 %.1f ms)\n",
          f.sent_ms.size(), f.missed, pick(f.sent_ms, 0.5), p99, pick(f.sent_ms, 1.0),
          pick(f.acked_ms, 0.5), pick(f.acked_ms, 0.99));
      std::printf("latency p99 target <= 250 ms: %s\n", p99 <= 250 ? "met" : "MISSED");
      if (f.missed > 0) ok = false;
    }
  }
  return ok ? 0 : 1;
}
