// The escalation scenarios with tierd's store on the real PostgreSQL server
// the tests start, tierd running as one replica of a cluster (8 shards, 3 s
// leases): it leases every shard, and each commit and write is fenced. A
// restarted process has a new replica id, so after kill -9 it waits for its
// predecessor's leases to lapse before it acts: the failover path. The
// three-replica drills are in tests/drills/replica_drill_test.cpp.
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <csignal>
#include <random>
#include <thread>

#include "support/any_vendor.h"
#include "support/live_stack.h"
#include "support/postgres_server.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

LiveStackOptions on_postgres(const std::string& name) {
  static int next = 0;
  LiveStackOptions options;
  options.vendor = any_vendor();
  options.postgres_url =
      PostgresServer::shared().create_database(name + "_" + std::to_string(++next));
  return options;
}

}  // namespace

TEST_CASE("on PostgreSQL a ticket climbs tier 1 -> 2 -> 3 with one note per escalation",
          "[integration][escalation][postgres]") {
  LiveStackOptions options = on_postgres("climb");
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  const int64_t id =
      stack.create_ticket({{"subject", "climb"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114003; }, 20s));
  REQUIRE(LiveStack::eventually([&] { return stack.tierd_notes(id).size() == 2; }, 5s));
  auto notes = stack.tierd_notes(id);
  CHECK(notes[0].find("Escalated from tier1 to tier2") != std::string::npos);
  CHECK(notes[1].find("from tier2 to tier3") != std::string::npos);
  std::this_thread::sleep_for(2s);
  CHECK(stack.tierd_notes(id).size() == 2);
  CHECK(stack.tierd_log().find("engine: acting on 8 shards") != std::string::npos);
}

TEST_CASE("on PostgreSQL kill -9 loses no event and writes nothing twice",
          "[integration][escalation][postgres][crash]") {
  LiveStackOptions options = on_postgres("crash");
  options.tiers = json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "2s"},
                                  {"name": "tier2", "groups": [114002]}])");
  // A restart waits up to a lease (3 s) for its predecessor's shards: the
  // simulator's retries must outlast that.
  if (options.vendor == Vendor::kZendesk) options.sim_args = {"--webhook-retry-backoff-ms", "1500"};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  std::mt19937 rng(4242);
  std::vector<int64_t> tickets;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3; ++i) {
      tickets.push_back(stack.create_ticket(
          {{"subject", "pg crash " + std::to_string(round) + "/" + std::to_string(i)},
           {"group_id", 114001},
           {"status", "open"}}));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1500));
    stack.stop_tierd(SIGKILL);
    stack.start_tierd();
  }
  for (int64_t id : tickets) {
    INFO("ticket " << id);
    REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 30s));
  }
  // On Freshdesk the note follows the PUT: a kill between them leaves it to
  // the next run, after the hold on writes that may have been sent.
  for (int64_t id : tickets) {
    INFO("ticket " << id);
    CHECK(LiveStack::eventually([&] { return !stack.tierd_notes(id).empty(); }, 30s));
  }
  std::this_thread::sleep_for(2s);
  for (int64_t id : tickets) {
    INFO("ticket " << id);
    CHECK(stack.tierd_notes(id).size() == 1);
  }
}

#endif  // TIERD_HAVE_POSTGRES
