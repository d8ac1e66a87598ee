// `tierd cluster status`: its text from a lease table (pure), and the real
// command against the real PostgreSQL server the tests start, and against a
// SQLite config.
#include <catch2/catch.hpp>

#include <atomic>

#include <nlohmann/json.hpp>

#include "cli/cli_run.h"
#include "cli/cluster_status.h"
#include "support/must.h"
#ifdef TIERD_HAVE_POSTGRES
#include "store/postgres/postgres_lease_store.h"
#include "support/postgres_server.h"
#endif

using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The lease store's clock: far from any replica's.
Instant db(Duration d) {
  return Instant(std::chrono::hours(24 * 365 * 56) + d);
}

json config_with(const json& store) {
  return {{"mode", "shadow"},
          {"store", store},
          {"cluster", {{"shards", 4}, {"lease_ttl", "10s"}}},
          {"zendesk",
           {{"base_url", "http://127.0.0.1:9"},
            {"email", "bot@example.com"},
            {"api_token_env", "CLI_TEST_TOKEN"},
            {"webhook_secret_env", "CLI_TEST_SECRET"}}},
          {"tiers", {{{"name", "tier1"}, {"groups", {114001}}}}}};
}

}  // namespace

TEST_CASE("cluster status lists replicas, every shard and a summary", "[cli][cluster]") {
  cluster::ReplicaTable replicas{db(100s), {{"replica-a", db(98800ms)}, {"replica-b", db(55s)}}};
  cluster::LeaseTable leases{db(100s),
                             {{cluster::kSingletonLease, "replica-b", 21, db(109400ms)},
                              {0, "replica-a", 17, db(108100ms)},
                              {1, "", 12, db(90s)},
                              {3, "replica-b", 9, db(96800ms)}}};
  CHECK(format_cluster_status(replicas, leases, 4, 10s) ==
        "replicas (live: a heartbeat within 10s):\n"
        "  replica-a  heartbeat 1.2s ago  live\n"
        "  replica-b  heartbeat 45.0s ago  not live\n"
        "shards (4):\n"
        "  0  replica-a  token 17  expires in 8.1s\n"
        "  1  -  free (released, last token 12)\n"
        "  2  -  free (never leased)\n"
        "  3  replica-b  token 9  free (expired 3.2s ago)\n"
        "singletons: replica-b  token 21  expires in 9.4s\n"
        "summary: replica-a 1 shard, replica-b 0 shards; 3 unowned\n");
}

TEST_CASE("cluster status before any replica started", "[cli][cluster]") {
  CHECK(format_cluster_status({db(0s), {}}, {db(0s), {}}, 2, 10s) ==
        "replicas (live: a heartbeat within 10s):\n"
        "  none has started\n"
        "shards (2):\n"
        "  0  -  free (never leased)\n"
        "  1  -  free (never leased)\n"
        "singletons: -  free (never leased)\n"
        "summary: 2 unowned\n");
}

TEST_CASE("cluster status on a SQLite store says clustering needs PostgreSQL", "[cli][cluster]") {
  TempDir dir;
  json config = config_with({{"sqlite", {{"path", dir.file("tierd.db")}}}});
  config.erase("cluster");  // a SQLite config cannot even have one
  const std::string path = dir.file("tierd.json");
  write_file(path, config.dump(2));
  CliRun run = run_cli({"cluster", "status", "--config", path}, dir, "status-sqlite");
  CHECK(run.status == 2);
  CHECK(run.out.empty());
  CHECK(run.err ==
        "cluster status: clustering needs a PostgreSQL store (store.postgres) shared "
        "by the replicas; " +
            path + " has a SQLite store, which serves one process\n");
}

TEST_CASE("cluster without a subcommand is a usage error", "[cli][cluster]") {
  TempDir dir;
  CliRun run = run_cli({"cluster"}, dir, "cluster-bare");
  CHECK(run.status == 2);
  CHECK(run.err.find("A subcommand is required") != std::string::npos);
}

#ifdef TIERD_HAVE_POSTGRES

TEST_CASE("cluster status reads the replicas and leases of the shared database", "[cli][cluster]") {
  static std::atomic<int> next{0};
  const std::string url =
      PostgresServer::shared().create_database("cluster_status_" + std::to_string(++next));
  auto leases = must(open_postgres_lease_store(url));
  must(leases->heartbeat("replica-a"));
  must(leases->heartbeat("replica-b"));
  const auto a0 = must(leases->try_acquire(0, "replica-a", 1h));
  const auto b2 = must(leases->try_acquire(2, "replica-b", 1h));
  const auto a3 = must(leases->try_acquire(3, "replica-a", 1h));
  const auto singletons = must(leases->try_acquire(cluster::kSingletonLease, "replica-b", 1h));
  REQUIRE((a0 && b2 && a3 && singletons));
  must(leases->release(3, "replica-a", *a3));

  TempDir dir;
  const std::string path = dir.file("tierd.json");
  write_file(path, config_with({{"postgres", {{"url_env", "CLI_TEST_PG"}}}}).dump(2));
  CliRun run = run_cli({"cluster", "status", "--config", path}, dir, "status-pg",
                       {{"CLI_TEST_PG", url}, {"CLI_TEST_TOKEN", "t"}, {"CLI_TEST_SECRET", "s"}});
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("replicas (live: a heartbeat within 10s):\n  replica-a  heartbeat ") == 0);
  CHECK(run.out.find("ago  live\n  replica-b  heartbeat ") != std::string::npos);
  CHECK(run.out.find("\n  0  replica-a  token " + std::to_string(*a0) + "  expires in ") !=
        std::string::npos);
  CHECK(run.out.find("\n  1  -  free (never leased)\n") != std::string::npos);
  CHECK(run.out.find("\n  2  replica-b  token " + std::to_string(*b2) + "  expires in ") !=
        std::string::npos);
  CHECK(run.out.find("\n  3  -  free (released, last token " + std::to_string(*a3) + ")\n") !=
        std::string::npos);
  CHECK(run.out.find("\nsingletons: replica-b  token " + std::to_string(*singletons) +
                     "  expires in ") != std::string::npos);
  CHECK(run.out.find("\nsummary: replica-a 1 shard, replica-b 1 shard; 2 unowned\n") !=
        std::string::npos);
}

#endif  // TIERD_HAVE_POSTGRES
