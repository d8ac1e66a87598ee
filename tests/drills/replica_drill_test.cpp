// Replica drills: three `tierd serve` replicas sharing one real PostgreSQL
// server, behind a real HAProxy running packaging/haproxy/tierd.cfg (its site
// values pointed here: a plain loopback bind, one server line per replica),
// with zendesk-sim delivering its webhooks through HAProxy and taking the
// replicas' writes. Shards: 16; leases: 3 s (the shortest the config allows).
//
//   failover     tickets with a 2 s budget keep arriving while a random
//                replica is killed with SIGKILL every few seconds and started
//                again after a random pause (sometimes shorter, sometimes
//                longer than the lease). Afterwards, against the simulator's
//                own record: every acknowledged event is in the inbox and
//                processed, every ticket escalated with exactly one note, no
//                marker twice, nothing dead-lettered; the escalations'
//                lateness p99 stays within the lease ttl + 2 s. The counts
//                are printed. CI runs 30 s; TIERD_REPLICA_DRILL_SECONDS=N
//                runs N (long mode), TIERD_REPLICA_DRILL_SEED=S replays.
//   split brain  a replica is stopped (SIGSTOP) past its lease, its shards
//                are taken over and its tickets escalated by the others, then
//                it is continued (SIGCONT): it writes nothing for them.
//   PostgreSQL down for 10 s: ingest answers 503 (the simulator retries),
//                every replica stays up, and everything is done once the
//                server is back.
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "core/time.h"
#include "drills/crash_support.h"
#include "store/postgres/postgres_store.h"
#include "support/live_stack.h"
#include "support/must.h"
#include "support/postgres_server.h"
#include "support/process_harness.h"

using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int kReplicas = 3;
constexpr int kShards = 16;
constexpr int64_t kTier1 = 114001;
constexpr int64_t kTier2 = 114002;
constexpr auto kBudget = 2s;
constexpr auto kLeaseTtl = 3s;

LiveStackOptions stack_options(int webhook_backoff_ms) {
  LiveStackOptions options;
  options.tiers = json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "2s",
                                   "at_risk_share": 0.99},
                                  {"name": "tier2", "groups": [114002]}])");
  // Tickets arrive faster than an account's default budget escalates them:
  // lift the limits on both sides, so the lateness measured is the replicas'.
  options.sim_args = {"--webhook-retry-backoff-ms",
                      std::to_string(webhook_backoff_ms),
                      "--rate-limit",
                      "100000",
                      "--update-rate-limit",
                      "100000",
                      "--ticket-update-limit",
                      "1000"};
  options.extra_config = {
      {"zendesk",
       {{"requests_per_minute", 100000}, {"updates_per_minute", 100000}, {"rate_share", 1.0}}}};
  return options;
}

// packaging/haproxy/tierd.cfg as shipped, with a plain loopback bind and one
// server line (the shipped one's settings) per replica.
std::string haproxy_config(int public_port, const std::vector<int>& replica_ports) {
  std::string config = read_file(std::string(TIERD_SOURCE_DIR) + "/packaging/haproxy/tierd.cfg");
  const std::string bind = "bind :443 ssl crt /etc/haproxy/certs/tierd.pem alpn http/1.1";
  auto at = config.find(bind);
  REQUIRE(at != std::string::npos);
  config.replace(at, bind.size(), "bind 127.0.0.1:" + std::to_string(public_port));
  const std::string server = "server tierd 127.0.0.1:8080";
  at = config.find(server);
  REQUIRE(at != std::string::npos);
  const size_t line_end = config.find('\n', at);
  const std::string settings = config.substr(at + server.size(), line_end - at - server.size());
  std::string servers;
  for (size_t i = 0; i < replica_ports.size(); ++i) {
    if (i > 0) servers += "\n    ";
    servers += "server r" + std::to_string(i) + " 127.0.0.1:" + std::to_string(replica_ports[i]) +
               settings;
  }
  config.replace(at, line_end - at, servers);
  return config;
}

// Three replicas, HAProxy in front, the simulator behind, one PostgreSQL.
class ReplicaSet {
 public:
  explicit ReplicaSet(int webhook_backoff_ms = 500) : stack_(stack_options(webhook_backoff_ms)) {
    stack_.start_sim();
    stack_.seed_org();
    url_ = pg_.create_database("replicas");
    json base = json::parse(read_file(stack_.config_path()));
    for (int i = 0; i < kReplicas; ++i) {
      ports_.push_back(free_loopback_port());
      json config = base;
      config["listen"]["port"] = ports_.back();
      config["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
      config["cluster"] = {{"shards", kShards},
                           {"lease_ttl", std::to_string(kLeaseTtl.count()) + "s"},
                           {"replica_id", "r" + std::to_string(i)}};
      config["log"] = {{"level", "info"}};
      write_file(config_path(i), config.dump(2));
    }
    // The simulator was told to deliver to stack_.tierd_port(): HAProxy listens there.
    write_file(dir_.file("haproxy.cfg"), haproxy_config(stack_.tierd_port(), ports_));
    haproxy_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"/usr/sbin/haproxy", "-f", dir_.file("haproxy.cfg"), "-db"},
        std::map<std::string, std::string>{}, dir_.file("haproxy.log"));
    replicas_.resize(kReplicas);
    for (int i = 0; i < kReplicas; ++i) start(i);
  }

  LiveStack& stack() { return stack_; }
  PostgresServer& postgres() { return pg_; }
  int port(int i) const { return ports_[static_cast<size_t>(i)]; }

  void start(int i) {
    const std::string log =
        dir_.file("r" + std::to_string(i) + "." + std::to_string(++starts_) + ".log");
    logs_.push_back(log);
    auto env = stack_.tierd_environment();
    env["TIERD_POSTGRES_URL"] = url_;
    replicas_[static_cast<size_t>(i)] = std::make_unique<Subprocess>(
        std::vector<std::string>{TIERD_BINARY, "serve", "--config", config_path(i)}, env, log);
    if (!wait_for_http(port(i), "/healthz", 20s)) {
      FAIL("replica r" << i << " did not become ready:\n" << replica(i).log());
    }
  }
  void signal(int i, int sig) { replica(i).signal(sig); }
  void kill(int i) {
    replica(i).signal(SIGKILL);
    (void)replica(i).wait(10s);
  }
  bool running(int i) { return replica(i).running(); }
  Subprocess& replica(int i) { return *replicas_[static_cast<size_t>(i)]; }

  // The shards a replica's /healthz says it acts on; nullopt without an answer.
  std::optional<std::set<int>> shards_of(int i) {
    httplib::Client client("127.0.0.1", port(i));
    client.set_read_timeout(2s);
    auto res = client.Get("/healthz");
    if (!res || res->status != 200) return std::nullopt;
    auto body = json::parse(res->body, nullptr, false);
    if (body.is_discarded() || !body.contains("shards")) return std::nullopt;
    return body.at("shards").get<std::set<int>>();
  }
  // True once the replicas that answer own every shard between them, once.
  bool all_shards_owned(const std::set<int>& replicas) {
    std::multiset<int> seen;
    for (int i : replicas) {
      auto shards = shards_of(i);
      if (!shards) return false;
      seen.insert(shards->begin(), shards->end());
    }
    if (seen.size() != kShards) return false;
    for (int s = 0; s < kShards; ++s) {
      if (seen.count(s) != 1) return false;
    }
    return true;
  }

  std::unique_ptr<Store> store() { return must(open_postgres_store(url_)); }

  // The last lines of every replica's logs and HAProxy's, for a failure.
  std::string logs_tail() const {
    std::string out;
    for (const auto& path : logs_) {
      std::string text = read_file(path);
      if (text.size() > 3000) text = text.substr(text.size() - 3000);
      out += "==> " + path + "\n" + text + "\n";
    }
    out += "==> haproxy\n" + haproxy_->log();
    return out;
  }

 private:
  std::string config_path(int i) const { return dir_.file("r" + std::to_string(i) + ".json"); }

  TempDir dir_;
  PostgresServer pg_;
  LiveStack stack_;
  std::string url_;
  std::vector<int> ports_;
  std::unique_ptr<Subprocess> haproxy_;
  std::vector<std::unique_ptr<Subprocess>> replicas_;
  std::vector<std::string> logs_;
  int starts_ = 0;
};

struct Outcome {
  int lost = 0;        // tickets not escalated, or without their note
  int duplicates = 0;  // notes beyond the first, or a marker twice
  std::vector<double> lateness_s;
  std::map<int64_t, std::pair<Instant, Instant>> due_and_noted;  // per ticket
};

Instant wall_now() {
  return from_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
}

// A replica killed: when, when it answered again, and the shards it held.
struct Kill {
  Instant at{};
  Instant back{};
  std::set<int> shards;
};

// Each ticket against the simulator: in tier 2, one note, and how late it came.
Outcome check_tickets(LiveStack& stack, const std::vector<int64_t>& tickets) {
  Outcome out;
  for (int64_t id : tickets) {
    const json t = stack.ticket(id);
    std::vector<std::string> notes = stack.tierd_notes(id);
    std::vector<std::string> keys = note_keys(notes);
    std::set<std::string> unique(keys.begin(), keys.end());
    if (group_of(stack, id) != kTier2 || notes.empty()) {
      ++out.lost;
      UNSCOPED_INFO("ticket " << id << " not escalated: group " << group_of(stack, id));
    }
    if (notes.size() > 1 || unique.size() != keys.size()) {
      out.duplicates += static_cast<int>(notes.size()) - 1;
      UNSCOPED_INFO("ticket " << id << " has " << notes.size() << " notes");
    }
    auto created = parse_instant(t.value("created_at", ""));
    for (const auto& c : t.at("comments")) {
      if (c.value("body", "").find("[tierd ref") == std::string::npos) continue;
      auto noted = parse_instant(c.value("created_at", ""));
      if (std::getenv("TIERD_REPLICA_DRILL_TRACE") != nullptr) {
        std::printf("ticket %lld created %s noted %s\n", static_cast<long long>(id),
                    t.value("created_at", "").c_str(), c.value("created_at", "").c_str());
      }
      if (created.ok() && noted.ok()) {
        out.due_and_noted[id] = {*created + kBudget, *noted};
        out.lateness_s.push_back(
            std::chrono::duration<double>(*noted - *created - kBudget).count());
      }
      break;
    }
  }
  std::sort(out.lateness_s.begin(), out.lateness_s.end());
  return out;
}

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto at = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(at, sorted.size() - 1)];
}

// Every event the simulator saw acknowledged is in the shared inbox, and
// nothing is left unprocessed or dead.
void check_store(ReplicaSet& set) {
  DeliveryTally tally = tally_deliveries(set.stack());
  auto store = set.store();
  std::set<std::string> stored;
  for (const auto& r : must(store->inbox_range(from_unix_ms(0), from_unix_ms(1LL << 50), 1000000)))
    stored.insert(r.event_id);
  int missing = 0;
  for (const auto& id : tally.acknowledged) missing += stored.count(id) == 0 ? 1 : 0;
  CHECK(missing == 0);
  CHECK(must(store->inbox_depth()) == 0);
  CHECK(must(store->dead_outbox(10)).empty());
  CHECK(must(store->outbox_depth()) == 0);
}

}  // namespace

TEST_CASE("replicas: SIGKILL at random loses no acknowledged event and writes each escalation once",
          "[drill][replica][postgres]") {
  const int seconds = env_int("TIERD_REPLICA_DRILL_SECONDS", 30);
  const auto seed = static_cast<unsigned>(env_int("TIERD_REPLICA_DRILL_SEED", 20261128));
  std::mt19937 rng(seed);
  ReplicaSet set;
  LiveStack& stack = set.stack();
  REQUIRE(LiveStack::eventually([&] { return set.all_shards_owned({0, 1, 2}); }, 30s));

  std::vector<int64_t> tickets;
  std::map<int, std::chrono::steady_clock::time_point> down;  // replica -> restart time
  std::map<int, size_t> down_kill;                            // replica -> its entry in kills
  std::vector<Kill> kill_log;
  int kills = 0;
  const auto begin = std::chrono::steady_clock::now();
  auto next_kill = begin + 3s;
  while (std::chrono::steady_clock::now() - begin < std::chrono::seconds(seconds)) {
    tickets.push_back(
        stack.create_ticket({{"subject", "replica drill " + std::to_string(tickets.size())},
                             {"group_id", kTier1},
                             {"status", "open"}}));
    std::this_thread::sleep_for(200ms);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = down.begin(); it != down.end();) {
      if (now < it->second) {
        ++it;
        continue;
      }
      set.start(it->first);
      kill_log[down_kill[it->first]].back = wall_now();
      it = down.erase(it);
    }
    // One replica down at a time, so two keep the webhooks answered.
    if (now >= next_kill && down.empty()) {
      const int victim = static_cast<int>(rng() % kReplicas);
      Kill k;
      k.shards = set.shards_of(victim).value_or(std::set<int>{});
      set.kill(victim);
      k.at = wall_now();
      down_kill[victim] = kill_log.size();
      kill_log.push_back(k);
      ++kills;
      // Back before its leases lapse, or well after.
      down[victim] = now + std::chrono::milliseconds(300 + rng() % 5000);
      next_kill = now + std::chrono::milliseconds(3000 + rng() % 3000);
    }
  }
  for (const auto& [replica, when] : down) {
    set.start(replica);
    kill_log[down_kill[replica]].back = wall_now();
  }
  INFO("seed " << seed);
  bool all_escalated = LiveStack::eventually(
      [&] {
        for (int64_t id : tickets) {
          if (group_of(stack, id) != kTier2) return false;
        }
        return true;
      },
      60s);
  INFO((all_escalated ? std::string() : set.logs_tail()));
  CHECK(all_escalated);
  std::this_thread::sleep_for(3s);  // a second write would have come by now

  Outcome outcome = check_tickets(stack, tickets);
  check_store(set);
  std::printf(
      "replica drill: seconds=%d seed=%u kills=%d tickets=%zu escalations=%zu lost=%d "
      "duplicates=%d lateness p50=%.1fs p99=%.1fs max=%.1fs\n",
      seconds, seed, kills, tickets.size(), outcome.lateness_s.size(), outcome.lost,
      outcome.duplicates, quantile(outcome.lateness_s, 0.5), quantile(outcome.lateness_s, 0.99),
      outcome.lateness_s.empty() ? 0.0 : outcome.lateness_s.back());
  std::fflush(stdout);
  // Failover: the escalations that fell due while their shard's owner was
  // dead (until it was back, or its leases lapsed and another took them),
  // and how late each was written.
  std::vector<double> failover_s;
  for (const auto& [id, times] : outcome.due_and_noted) {
    for (const Kill& k : kill_log) {
      if (k.shards.count(static_cast<int>(id % kShards)) == 0) continue;
      if (times.first < k.at || times.first > std::min(k.back, k.at + kLeaseTtl)) continue;
      failover_s.push_back(std::chrono::duration<double>(times.second - times.first).count());
    }
  }
  std::sort(failover_s.begin(), failover_s.end());
  std::printf(
      "replica drill: escalations due while their owner was down=%zu lateness p50=%.1fs "
      "p99=%.1fs max=%.1fs\n",
      failover_s.size(), quantile(failover_s, 0.5), quantile(failover_s, 0.99),
      failover_s.empty() ? 0.0 : failover_s.back());
  std::fflush(stdout);
  CHECK(kills >= seconds / 6);
  CHECK(outcome.lost == 0);
  CHECK(outcome.duplicates == 0);
  // Note times have whole-second resolution in places; a second's slack.
  CHECK(quantile(outcome.lateness_s, 0.99) <=
        std::chrono::duration<double>(kLeaseTtl + 2s + 1s).count());
  for (int i = 0; i < kReplicas; ++i) CHECK(set.running(i));
}

TEST_CASE("replicas: a replica stopped past its lease writes nothing for the shards taken over",
          "[drill][replica][postgres]") {
  ReplicaSet set;
  LiveStack& stack = set.stack();
  REQUIRE(LiveStack::eventually([&] { return set.all_shards_owned({0, 1, 2}); }, 30s));
  const std::set<int> paused_shards = set.shards_of(0).value();
  REQUIRE_FALSE(paused_shards.empty());

  // Tickets of r0's shards whose clocks r0 runs, then r0 freezes.
  std::vector<int64_t> tickets;
  while (tickets.size() < 4) {
    int64_t id =
        stack.create_ticket({{"subject", "split brain"}, {"group_id", kTier1}, {"status", "open"}});
    if (paused_shards.count(static_cast<int>(id % kShards)) != 0) tickets.push_back(id);
  }
  std::this_thread::sleep_for(500ms);  // r0 has taken the events
  set.signal(0, SIGSTOP);
  // The others take r0's shards once its leases lapse, and escalate its tickets.
  REQUIRE(LiveStack::eventually([&] { return set.all_shards_owned({1, 2}); }, 30s));
  REQUIRE(LiveStack::eventually(
      [&] {
        for (int64_t id : tickets) {
          if (stack.tierd_notes(id).empty()) return false;
        }
        return true;
      },
      20s));
  // r0 wakes with its clocks long run out and its old leases in memory.
  set.signal(0, SIGCONT);
  REQUIRE(set.replica(0).wait_for_log("engine: acting on 0 shards", 10s));
  std::this_thread::sleep_for(3s);
  Outcome outcome = check_tickets(stack, tickets);
  std::printf("split brain: paused shards=%zu tickets=%zu duplicates=%d lost=%d\n",
              paused_shards.size(), tickets.size(), outcome.duplicates, outcome.lost);
  std::fflush(stdout);
  CHECK(outcome.duplicates == 0);
  CHECK(outcome.lost == 0);
  CHECK(set.running(0));
  // It takes part again: the shards spread over all three.
  CHECK(LiveStack::eventually([&] { return !set.shards_of(0).value_or(std::set<int>{}).empty(); },
                              30s));
}

TEST_CASE("replicas: with PostgreSQL down for 10 s webhooks get 503, nothing is lost",
          "[drill][replica][postgres]") {
  // Zendesk retries a 503 three times; 2 s doubling spans the outage.
  ReplicaSet set(2000);
  LiveStack& stack = set.stack();
  REQUIRE(LiveStack::eventually([&] { return set.all_shards_owned({0, 1, 2}); }, 30s));
  std::vector<int64_t> tickets;
  tickets.push_back(
      stack.create_ticket({{"subject", "before"}, {"group_id", kTier1}, {"status", "open"}}));
  REQUIRE(set.postgres().stop());
  const auto stopped = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    tickets.push_back(
        stack.create_ticket({{"subject", "during"}, {"group_id", kTier1}, {"status", "open"}}));
    std::this_thread::sleep_for(1s);
  }
  // The simulator's deliveries meanwhile were answered 503.
  json deliveries;
  const bool refused = LiveStack::eventually(
      [&] {
        deliveries = stack.sim("GET", "/sim/webhooks").at("deliveries");
        for (const auto& d : deliveries) {
          if (d.value("http_status", 0) == 503) return true;
        }
        return false;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(stopped + 9s -
                                                            std::chrono::steady_clock::now()));
  INFO(deliveries.dump(1));
  CHECK(refused);
  std::this_thread::sleep_until(stopped + 10s);
  for (int i = 0; i < kReplicas; ++i) CHECK(set.running(i));
  set.postgres().start();
  bool all_escalated = LiveStack::eventually(
      [&] {
        for (int64_t id : tickets) {
          if (stack.tierd_notes(id).empty()) return false;
        }
        return true;
      },
      60s);
  INFO((all_escalated ? std::string() : set.logs_tail()));
  CHECK(all_escalated);
  std::this_thread::sleep_for(2s);
  Outcome outcome = check_tickets(stack, tickets);
  CHECK(outcome.lost == 0);
  CHECK(outcome.duplicates == 0);
  check_store(set);
}

#endif  // TIERD_HAVE_POSTGRES
