// Shard leases and fenced writes on the PostgreSQL store, two replicas (two
// connections each: a Store and a LeaseStore) against one database on the real
// server the tests start.
#include <catch2/catch.hpp>

#ifdef TIERD_HAVE_POSTGRES

#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "store/postgres/postgres_lease_store.h"
#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store.h"
#include "store_records.h"
#include "support/must.h"
#include "support/postgres_server.h"

using namespace tierd;
using namespace std::chrono_literals;
using cluster::LeaseStore;
using cluster::LeaseToken;
using cluster::RenewOutcome;
using cluster::ShardFence;
using tierd::testing::inbox_record;
using tierd::testing::must;
using tierd::testing::PostgresServer;

namespace {

constexpr Duration kLong = 1h;

std::string fresh_database() {
  static std::atomic<int> next{0};
  return PostgresServer::shared().create_database("leases_" + std::to_string(++next));
}

// One replica: its Store and its LeaseStore, each on its own connection.
struct Replica {
  Replica(const std::string& url, std::string replica_id)
      : id(std::move(replica_id)),
        store(must(open_postgres_store(url))),
        leases(must(open_postgres_lease_store(url))) {}

  LeaseToken acquire(int shard, Duration ttl = kLong) {
    auto token = must(leases->try_acquire(shard, id, ttl));
    REQUIRE(token.has_value());
    return *token;
  }

  std::string id;
  std::unique_ptr<Store> store;
  std::unique_ptr<LeaseStore> leases;
};

// Two replicas on a fresh database.
struct TwoReplicas {
  const std::string url = fresh_database();
  Replica a{url, "replica-a"};
  Replica b{url, "replica-b"};
};

// Runs SQL on its own connection, as an operator (or time) would.
void exec(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::work txn(conn);
  txn.exec0(sql);
  txn.commit();
}

// The database's clock passes the lease's end.
void lapse(const std::string& url, int shard) {
  exec(url, "UPDATE shard_leases SET expires_at = now() - interval '1 second' WHERE shard = " +
                std::to_string(shard));
}

OutboxRecord write(TicketId ticket, const std::string& key) {
  OutboxRecord r;
  r.ticket_id = ticket;
  r.kind = "escalate";
  r.payload_json = R"({"group_id":114002})";
  r.idempotency_key = key;
  r.created_at = from_unix_ms(1000);
  r.not_before = from_unix_ms(1000);
  return r;
}

// A commit of the engine for `ticket` on behalf of `fence`'s shard.
EngineCommit engine_commit(TicketId ticket, const std::string& state,
                           std::optional<ShardFence> fence) {
  EngineCommit c;
  c.ticket_id = ticket;
  c.state_json = state;
  c.deadline = from_unix_ms(90'000);
  c.fence = fence;
  AuditRecord a;
  a.ticket_id = ticket;
  a.at = from_unix_ms(1000);
  a.kind = "decision";
  a.detail_json = "{\"state\":\"" + state + "\"}";
  c.audit = {a};
  return c;
}

std::string fenced_message(int shard, LeaseToken token) {
  return "shard " + std::to_string(shard) + " token " + std::to_string(token) +
         " is no longer ours";
}

}  // namespace

TEST_CASE_METHOD(TwoReplicas,
                 "two replicas racing for every shard win each one once, with distinct tokens",
                 "[postgres_store]") {
  constexpr int kShards = 32;

  // Each asks for every shard, a from the first, b from the last.
  using Won = std::map<int, LeaseToken>;
  Won won_by_a;
  Won won_by_b;
  std::vector<std::string> errors_a;
  std::vector<std::string> errors_b;
  auto race = [&](Replica& r, bool backwards, Won& won, std::vector<std::string>& errors) {
    for (int i = 0; i < kShards; ++i) {
      int shard = backwards ? kShards - 1 - i : i;
      auto token = r.leases->try_acquire(shard, r.id, kLong);
      if (!token.ok()) {
        errors.push_back(token.status().to_string());
      } else if (*token) {
        won[shard] = **token;
      }
    }
  };
  std::thread ta([&] { race(a, false, won_by_a, errors_a); });
  std::thread tb([&] { race(b, true, won_by_b, errors_b); });
  ta.join();
  tb.join();
  CHECK(errors_a.empty());
  CHECK(errors_b.empty());

  REQUIRE(won_by_a.size() + won_by_b.size() == kShards);
  auto table = must(a.leases->leases());
  REQUIRE(table.leases.size() == kShards);
  std::set<LeaseToken> tokens;
  for (const auto& lease : table.leases) {
    INFO("shard " << lease.shard);
    const bool by_a = won_by_a.count(lease.shard) != 0;
    const Won& won = by_a ? won_by_a : won_by_b;
    REQUIRE(won.count(lease.shard) == 1);
    CHECK(lease.owner == (by_a ? a.id : b.id));
    CHECK(lease.token == won.at(lease.shard));
    CHECK(lease.expires_at > table.now);
    tokens.insert(lease.token);
  }
  CHECK(tokens.size() == kShards);
}

TEST_CASE_METHOD(TwoReplicas,
                 "a lease's token increases on every acquisition, and only its holder renews it",
                 "[postgres_store]") {
  const LeaseToken t1 = a.acquire(5);
  CHECK_FALSE(must(b.leases->try_acquire(5, b.id, kLong)).has_value());
  CHECK(must(a.leases->renew(5, a.id, t1, kLong)) == RenewOutcome::kRenewed);
  CHECK(must(b.leases->renew(5, b.id, t1, kLong)) == RenewOutcome::kLost);

  // a's lease runs out; b takes the shard and a can no longer renew.
  lapse(url, 5);
  const LeaseToken t2 = b.acquire(5);
  CHECK(t2 > t1);
  CHECK(must(a.leases->renew(5, a.id, t1, kLong)) == RenewOutcome::kLost);
  CHECK(must(b.leases->renew(5, b.id, t2, kLong)) == RenewOutcome::kRenewed);
  CHECK_FALSE(must(a.leases->try_acquire(5, a.id, kLong)).has_value());

  // A release by the loser changes nothing; by the holder, it frees the shard.
  must(a.leases->release(5, a.id, t1));
  CHECK_FALSE(must(a.leases->try_acquire(5, a.id, kLong)).has_value());
  must(b.leases->release(5, b.id, t2));
  auto released = must(a.leases->leases());
  REQUIRE(released.leases.size() == 1);
  CHECK(released.leases[0].owner.empty());
  CHECK(released.leases[0].token == t2);
  CHECK(must(b.leases->renew(5, b.id, t2, kLong)) == RenewOutcome::kLost);

  const LeaseToken t3 = a.acquire(5);
  CHECK(t3 > t2);
  // Acquiring a shard already held starts a new tenure: the old token is stale.
  const LeaseToken t4 = a.acquire(5);
  CHECK(t4 > t3);
  CHECK(must(a.leases->renew(5, a.id, t3, kLong)) == RenewOutcome::kLost);
  CHECK(must(a.leases->renew(5, a.id, t4, kLong)) == RenewOutcome::kRenewed);

  // An expired lease nobody took is still its holder's to renew.
  lapse(url, 5);
  CHECK(must(a.leases->renew(5, a.id, t4, kLong)) == RenewOutcome::kRenewed);
  CHECK_FALSE(must(b.leases->try_acquire(5, b.id, kLong)).has_value());
}

TEST_CASE_METHOD(TwoReplicas, "lease expiry and replica liveness follow the database's clock",
                 "[postgres_store]") {
  a.acquire(2, 1h);
  auto table = must(b.leases->leases());
  REQUIRE(table.leases.size() == 1);
  CHECK(table.leases[0].owner == "replica-a");
  CHECK(table.leases[0].expires_at > table.now);
  CHECK(table.leases[0].expires_at <= table.now + 1h);
  CHECK_FALSE(must(b.leases->try_acquire(2, b.id, kLong)).has_value());

  // A short lease: once the server's clock has passed its end, b may take it.
  a.acquire(3, 20ms);
  pqxx::connection conn(url);
  bool lapsed = false;
  for (int i = 0; i < 200 && !lapsed; ++i) {
    pqxx::work txn(conn);
    lapsed =
        txn.exec1("SELECT now() >= expires_at FROM shard_leases WHERE shard = 3")[0].as<bool>();
    txn.commit();
    if (!lapsed) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(lapsed);
  CHECK(must(b.leases->try_acquire(3, b.id, kLong)).has_value());

  must(a.leases->heartbeat(a.id));
  must(b.leases->heartbeat(b.id));
  must(b.leases->heartbeat(b.id));
  CHECK(must(a.leases->live_replicas(1min)) == std::vector<std::string>{"replica-a", "replica-b"});
  exec(url,
       "UPDATE replicas SET heartbeat_at = now() - interval '10 minutes' WHERE id = 'replica-a'");
  CHECK(must(b.leases->live_replicas(1min)) == std::vector<std::string>{"replica-b"});
  CHECK(must(b.leases->live_replicas(1h)) == std::vector<std::string>{"replica-a", "replica-b"});
}

TEST_CASE_METHOD(TwoReplicas,
                 "a write fenced with a stale token changes nothing - the new owner's goes through",
                 "[postgres_store]") {
  constexpr int kShard = 7;
  constexpr TicketId kTicket = 4242;

  std::vector<InboxRecord> events = {inbox_record("e1", kTicket), inbox_record("e2", kTicket)};
  must(a.store->append_inbox(events));

  const LeaseToken ta = a.acquire(kShard);
  const ShardFence fence_a{kShard, ta};
  std::vector<EngineCommit> first = {engine_commit(kTicket, "v1", fence_a)};
  first[0].inbox_seq_done = events[0].seq;
  first[0].new_outbox = {write(kTicket, "key-1")};
  must(a.store->commit(first));
  const int64_t write_id = first[0].new_outbox[0].id;
  must(a.store->mark_outbox_attempt({write_id}, {fence_a}));
  must(a.store->reschedule_outbox({write_id}, from_unix_ms(5000), "HTTP 503", {fence_a}));

  lapse(url, kShard);
  const LeaseToken tb = b.acquire(kShard);
  const ShardFence fence_b{kShard, tb};

  // a, unaware, commits what it decided on e2 and touches the write.
  std::vector<EngineCommit> stale = {engine_commit(kTicket, "stale", fence_a)};
  stale[0].inbox_seq_done = events[1].seq;
  stale[0].new_outbox = {write(kTicket, "key-2")};
  stale[0].outbox_done = {write_id};
  stale[0].meta = {{"cursor", "stale"}};
  Status refused = a.store->commit(stale);
  CHECK(refused.code() == StatusCode::kFenced);
  CHECK(refused.message() == fenced_message(kShard, ta));
  CHECK(stale[0].new_outbox[0].id == 0);
  Status attempt = a.store->mark_outbox_attempt({write_id}, {fence_a});
  CHECK(attempt.code() == StatusCode::kFenced);
  Status reschedule =
      a.store->reschedule_outbox({write_id}, from_unix_ms(9000), "stale", {fence_a});
  CHECK(reschedule.code() == StatusCode::kFenced);

  auto check_untouched = [&](Store& store) {
    auto ticket = must(store.load_ticket(kTicket));
    REQUIRE(ticket.has_value());
    CHECK(ticket->state_json == "v1");
    auto pending = must(store.pending_inbox(0, 10));
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].event_id == "e2");
    auto writes = must(store.pending_outbox_for_ticket(kTicket));
    REQUIRE(writes.size() == 1);
    CHECK(writes[0].id == write_id);
    CHECK(writes[0].attempts == 1);
    CHECK_FALSE(writes[0].maybe_sent);
    CHECK(writes[0].not_before == from_unix_ms(5000));
    CHECK(writes[0].last_error == "HTTP 503");
    CHECK(must(store.audit_for_ticket(kTicket)).size() == 1);
    CHECK_FALSE(must(store.get_meta("cursor")).has_value());
  };
  check_untouched(*a.store);
  check_untouched(*b.store);

  // One stale fence in a batch fails the whole batch.
  std::vector<EngineCommit> batch = {engine_commit(9000, "other", fence_b),
                                     engine_commit(kTicket, "stale", fence_a)};
  CHECK(a.store->commit(batch).code() == StatusCode::kFenced);
  CHECK_FALSE(must(b.store->load_ticket(9000)).has_value());
  check_untouched(*b.store);

  // The new owner's writes go through.
  must(b.store->mark_outbox_attempt({write_id}, {fence_b}));
  std::vector<EngineCommit> next = {engine_commit(kTicket, "v2", fence_b)};
  next[0].inbox_seq_done = events[1].seq;
  next[0].outbox_done = {write_id};
  must(b.store->commit(next));
  CHECK(must(a.store->load_ticket(kTicket))->state_json == "v2");
  CHECK(must(a.store->pending_inbox(0, 10)).empty());
  CHECK(must(a.store->pending_outbox_for_ticket(kTicket)).empty());
  CHECK(must(a.store->audit_for_ticket(kTicket)).size() == 2);

  // Released, the shard fences its last owner off too; a takes it back.
  must(b.leases->release(kShard, b.id, tb));
  std::vector<EngineCommit> after_release = {engine_commit(kTicket, "late", fence_b)};
  Status late = b.store->commit(after_release);
  CHECK(late.code() == StatusCode::kFenced);
  CHECK(late.message() == fenced_message(kShard, tb));
  const LeaseToken ta2 = a.acquire(kShard);
  CHECK(ta2 > tb);
  std::vector<EngineCommit> back = {engine_commit(kTicket, "v3", ShardFence{kShard, ta2})};
  must(a.store->commit(back));
  CHECK(must(b.store->load_ticket(kTicket))->state_json == "v3");

  // Unfenced writes are not checked; a shard never leased fences everything.
  std::vector<EngineCommit> unfenced = {engine_commit(kTicket, "v4", std::nullopt)};
  must(b.store->commit(unfenced));
  std::vector<EngineCommit> never = {engine_commit(kTicket, "v5", ShardFence{99, ta2})};
  CHECK(a.store->commit(never).code() == StatusCode::kFenced);
  CHECK(must(a.store->load_ticket(kTicket))->state_json == "v4");
}

TEST_CASE(
    "the lease store refuses a negative shard other than the singletons', an empty replica "
    "id and a zero ttl",
    "[postgres_store]") {
  const std::string url = fresh_database();
  Replica a(url, "replica-a");
  CHECK(a.leases->try_acquire(-2, a.id, kLong).status().code() == StatusCode::kInvalidArgument);
  CHECK(a.leases->try_acquire(0, "", kLong).status().code() == StatusCode::kInvalidArgument);
  CHECK(a.leases->try_acquire(0, a.id, 0ms).status().code() == StatusCode::kInvalidArgument);
  CHECK(a.leases->renew(0, a.id, 1, 0ms).status().code() == StatusCode::kInvalidArgument);
  CHECK(a.leases->release(-3, a.id, 1).code() == StatusCode::kInvalidArgument);
  CHECK(a.leases->heartbeat("").code() == StatusCode::kInvalidArgument);
  CHECK(must(a.leases->leases()).leases.empty());
}

TEST_CASE_METHOD(TwoReplicas, "forget_replicas removes only the rows silent for longer than asked",
                 "[store][postgres]") {
  must(a.leases->heartbeat(a.id));
  must(b.leases->heartbeat(b.id));
  exec(url, "UPDATE replicas SET heartbeat_at = now() - interval '2 hours' WHERE id = 'replica-a'");
  CHECK(must(a.leases->forget_replicas(std::chrono::hours(3))) == 0);
  CHECK(must(a.leases->forget_replicas(std::chrono::hours(1))) == 1);
  auto table = must(b.leases->replicas());
  REQUIRE(table.replicas.size() == 1);
  CHECK(table.replicas[0].id == "replica-b");
  // A forgotten replica that comes back registers again with its next heartbeat.
  must(a.leases->heartbeat(a.id));
  CHECK(must(b.leases->replicas()).replicas.size() == 2);
  CHECK(a.leases->forget_replicas(Duration(0)).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("the singletons' lease is a row of its own, with tokens from the shards' sequence",
          "[postgres_store]") {
  const std::string url = fresh_database();
  Replica a(url, "replica-a");
  Replica b(url, "replica-b");
  const auto shard = must(a.leases->try_acquire(0, a.id, kLong));
  const auto singletons = must(a.leases->try_acquire(cluster::kSingletonLease, a.id, kLong));
  REQUIRE((shard && singletons));
  CHECK(*singletons > *shard);
  CHECK_FALSE(must(b.leases->try_acquire(cluster::kSingletonLease, b.id, kLong)));
  auto rows = must(a.leases->leases()).leases;
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].shard == cluster::kSingletonLease);
  CHECK(rows[0].owner == a.id);
  CHECK(rows[0].token == *singletons);
  CHECK(rows[1].shard == 0);

  // Released, it goes to the other replica with a new token; shard 0 stays.
  must(a.leases->release(cluster::kSingletonLease, a.id, *singletons));
  const auto taken = must(b.leases->try_acquire(cluster::kSingletonLease, b.id, kLong));
  REQUIRE(taken);
  CHECK(*taken > *singletons);
  CHECK(must(a.leases->renew(0, a.id, *shard, kLong)) == cluster::RenewOutcome::kRenewed);
  CHECK(must(a.leases->renew(cluster::kSingletonLease, a.id, *singletons, kLong)) ==
        cluster::RenewOutcome::kLost);
}

TEST_CASE("a database with version 3's lease table takes the singletons' lease once migrated",
          "[postgres_store]") {
  const std::string url = fresh_database();
  {
    pqxx::connection conn(url);
    auto steps = postgres::schema_migrations();
    REQUIRE(steps.size() >= 4);
    REQUIRE(postgres::migrate(conn, steps.first(3)).empty());
    pqxx::work txn(conn);
    // Version 3 keys shards from 0 up only.
    CHECK_THROWS(
        txn.exec0("INSERT INTO shard_leases (shard, owner, token, expires_at) "
                  "VALUES (-1, 'x', 1, now())"));
  }
  {
    pqxx::connection conn(url);
    pqxx::work txn(conn);
    txn.exec0(
        "INSERT INTO shard_leases (shard, owner, token, expires_at) "
        "VALUES (2, 'replica-old', nextval('shard_lease_tokens'), now() + interval '1 hour')");
    txn.commit();
  }
  Replica a(url, "replica-a");  // opening migrates
  REQUIRE(must(a.leases->try_acquire(cluster::kSingletonLease, a.id, kLong)));
  auto rows = must(a.leases->leases()).leases;
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].shard == 2);
  CHECK(rows[1].owner == "replica-old");
}

#endif  // TIERD_HAVE_POSTGRES
