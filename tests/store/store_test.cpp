// Conformance suite for the Store interface: every test case runs against the
// SQLite store (a real file in a TempDir) and the PostgreSQL store (a fresh
// database on a real server started once per test run).
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "support/must.h"
#include "support/process_harness.h"
#include "support/store_backends.h"

using namespace tierd;
using tierd::testing::backend_names;
using tierd::testing::make_backend;
using tierd::testing::must;
using tierd::testing::TempDir;

namespace {

InboxRecord inbox(const std::string& event_id, TicketId ticket, int64_t received_ms) {
  InboxRecord r;
  r.event_id = event_id;
  r.ticket_id = ticket;
  r.received_at = from_unix_ms(received_ms);
  r.event_time = from_unix_ms(received_ms - 500);
  r.type = "zen:event-type:ticket.status_changed";
  r.event_json = R"({"ticket":)" + std::to_string(ticket) + "}";
  r.raw_body = std::string("{\"id\":\"") + event_id + "\",\"bytes\":\"\x01\xff\"}";
  return r;
}

OutboxRecord outbox(TicketId ticket, const std::string& key, int64_t not_before_ms) {
  OutboxRecord r;
  r.ticket_id = ticket;
  r.kind = "escalate";
  r.payload_json = R"({"group_id":114002})";
  r.idempotency_key = key;
  r.created_at = from_unix_ms(not_before_ms - 1000);
  r.not_before = from_unix_ms(not_before_ms);
  return r;
}

AuditRecord audit(TicketId ticket, int64_t at_ms, const std::string& kind) {
  AuditRecord r;
  r.ticket_id = ticket;
  r.at = from_unix_ms(at_ms);
  r.kind = kind;
  r.event_id = "ev-" + std::to_string(at_ms);
  r.detail_json = R"({"reason":"test"})";
  return r;
}

std::vector<std::string> event_ids(const std::vector<InboxRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.event_id);
  return ids;
}

std::vector<int64_t> outbox_ids(const std::vector<OutboxRecord>& records) {
  std::vector<int64_t> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

}  // namespace

TEST_CASE("append_inbox assigns increasing seqs and flags duplicates across and within batches",
          "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<InboxRecord> first = {inbox("a", 1, 1000), inbox("b", 2, 1001), inbox("a", 1, 1002)};
  auto outcomes = must(store->append_inbox(first));
  CHECK(outcomes ==
        std::vector{AppendOutcome::kAccepted, AppendOutcome::kAccepted, AppendOutcome::kDuplicate});
  CHECK(first[0].seq > 0);
  CHECK(first[1].seq > first[0].seq);

  std::vector<InboxRecord> second = {inbox("b", 2, 1003), inbox("c", 3, 1004)};
  outcomes = must(store->append_inbox(second));
  CHECK(outcomes == std::vector{AppendOutcome::kDuplicate, AppendOutcome::kAccepted});
  CHECK(second[1].seq > first[1].seq);

  auto pending = must(store->pending_inbox(0, 10));
  CHECK(event_ids(pending) == std::vector<std::string>{"a", "b", "c"});
  // The stored copy is the first delivery, byte for byte.
  CHECK(pending[0].raw_body == inbox("a", 1, 1000).raw_body);
  CHECK(pending[0].received_at == from_unix_ms(1000));
  CHECK(pending[0].event_time == from_unix_ms(500));
  CHECK(pending[0].ticket_id == 1);
  CHECK(pending[0].type == "zen:event-type:ticket.status_changed");
  CHECK(pending[0].event_json == R"({"ticket":1})");
  CHECK(must(store->inbox_depth()) == 3);

  std::vector<InboxRecord> empty;
  CHECK(must(store->append_inbox(empty)).empty());
}

TEST_CASE("pending_inbox pages past processed records in seq order", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<InboxRecord> records;
  for (int i = 0; i < 5; ++i) records.push_back(inbox("e" + std::to_string(i), 7, 1000 + i));
  must(store->append_inbox(records));

  std::vector<EngineCommit> commits(1);
  commits[0].ticket_id = 7;
  commits[0].state_json = R"({"v":1})";
  commits[0].inbox_seq_done = records[1].seq;
  must(store->commit(commits));

  auto page1 = must(store->pending_inbox(0, 2));
  CHECK(event_ids(page1) == std::vector<std::string>{"e0", "e2"});
  auto page2 = must(store->pending_inbox(page1.back().seq, 2));
  CHECK(event_ids(page2) == std::vector<std::string>{"e3", "e4"});
  CHECK(must(store->pending_inbox(page2.back().seq, 2)).empty());
  CHECK(must(store->inbox_depth()) == 4);
}

TEST_CASE("a shard scope limits pending inbox, due outbox and clock summaries to its tickets",
          "[store][cluster]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  // Tickets 8..13 among 4 shards: 8 and 12 in shard 0, 9 and 13 in 1, 10 in
  // 2, 11 in 3; ticket -3 (an id no helpdesk gives, but the SQL must agree
  // with shard_of for it too) is in shard 1.
  const std::vector<TicketId> tickets = {8, 9, 10, 11, 12, 13, -3};
  std::vector<InboxRecord> records;
  for (TicketId t : tickets) records.push_back(inbox("e" + std::to_string(t), t, 1000));
  must(store->append_inbox(records));
  std::vector<EngineCommit> commits;
  for (TicketId t : tickets) {
    EngineCommit c;
    c.ticket_id = t;
    c.state_json = R"({"v":1})";
    c.deadline = from_unix_ms(5000 + t);
    c.new_outbox = {outbox(t, "k" + std::to_string(t), 1000)};
    commits.push_back(std::move(c));
  }
  must(store->commit(commits));

  auto ticket_ids = [](const auto& rows) {
    std::set<TicketId> out;
    for (const auto& r : rows) out.insert(r.ticket_id);
    return out;
  };
  auto summaries = [&](const cluster::ShardScope& scope) {
    std::set<TicketId> out;
    must(store->for_each_clock_summary(scope, [&](const ClockSummaryRow& r) { out.insert(r.id); }));
    return out;
  };

  const auto shards_1_and_2 = cluster::ShardScope::only(4, {2, 1});
  CHECK(ticket_ids(must(store->pending_inbox(0, 100, shards_1_and_2))) ==
        std::set<TicketId>{-3, 9, 10, 13});
  CHECK(ticket_ids(must(store->due_outbox(from_unix_ms(2000), 100, shards_1_and_2))) ==
        std::set<TicketId>{-3, 9, 10, 13});
  CHECK(summaries(shards_1_and_2) == std::set<TicketId>{-3, 9, 10, 13});
  for (TicketId t : tickets)
    CHECK(shards_1_and_2.contains(t) == (summaries(shards_1_and_2).count(t) == 1));

  const auto none = cluster::ShardScope::only(4, {});
  CHECK(must(store->pending_inbox(0, 100, none)).empty());
  CHECK(must(store->due_outbox(from_unix_ms(2000), 100, none)).empty());
  CHECK(summaries(none).empty());

  const std::set<TicketId> all(tickets.begin(), tickets.end());
  CHECK(ticket_ids(must(store->pending_inbox(0, 100))) == all);
  CHECK(ticket_ids(must(store->due_outbox(from_unix_ms(2000), 100))) == all);
  CHECK(summaries(cluster::ShardScope::all()) == all);
  CHECK(summaries(cluster::ShardScope::only(1, {0})) == all);
}

TEST_CASE("inbox_range lists records received from the start up to the end, processed or not",
          "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<InboxRecord> records = {inbox("late", 1, 3000), inbox("early", 1, 1000),
                                      inbox("mid", 1, 2000), inbox("edge", 1, 4000)};
  must(store->append_inbox(records));
  std::vector<EngineCommit> commits(1);
  commits[0].ticket_id = 1;
  commits[0].inbox_seq_done = records[2].seq;
  must(store->commit(commits));

  auto range = must(store->inbox_range(from_unix_ms(1000), from_unix_ms(4000), 10));
  CHECK(event_ids(range) == std::vector<std::string>{"late", "early", "mid"});
  CHECK(event_ids(must(store->inbox_range(from_unix_ms(1000), from_unix_ms(4000), 2))) ==
        std::vector<std::string>{"late", "early"});
  CHECK(must(store->inbox_range(from_unix_ms(5000), from_unix_ms(6000), 10)).empty());
}

TEST_CASE("prune_inbox removes old processed records and bodies, never unprocessed ones",
          "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<InboxRecord> records = {inbox("old-done", 1, 1000), inbox("old-pending", 2, 1100),
                                      inbox("mid-done", 1, 2000), inbox("new-done", 1, 3000)};
  must(store->append_inbox(records));
  std::vector<EngineCommit> commits;
  for (size_t i : {0u, 2u, 3u}) {
    EngineCommit c;
    c.ticket_id = records[i].ticket_id;
    c.inbox_seq_done = records[i].seq;
    commits.push_back(c);
  }
  must(store->commit(commits));

  // Rows before 1500 go, bodies before 2500 go, anything newer stays whole.
  auto pruned = must(store->prune_inbox(from_unix_ms(1500), from_unix_ms(2500)));
  CHECK(pruned.records == 1);
  CHECK(pruned.bodies == 1);
  auto left = must(store->inbox_range(from_unix_ms(0), from_unix_ms(10000), 10));
  REQUIRE(event_ids(left) == std::vector<std::string>{"old-pending", "mid-done", "new-done"});
  CHECK(left[0].raw_body == inbox("old-pending", 2, 1100).raw_body);
  CHECK(left[1].raw_body.empty());
  CHECK(left[1].event_json == R"({"ticket":1})");
  CHECK(left[2].raw_body == inbox("new-done", 1, 3000).raw_body);
  CHECK(must(store->inbox_depth()) == 1);

  pruned = must(store->prune_inbox(from_unix_ms(1500), from_unix_ms(2500)));
  CHECK(pruned.records == 0);
  CHECK(pruned.bodies == 0);
  // A redelivery of a pruned record's id is new again.
  std::vector<InboxRecord> again = {inbox("old-done", 1, 5000)};
  CHECK(must(store->append_inbox(again)) == std::vector{AppendOutcome::kAccepted});
}

TEST_CASE("a commit whose outbox key already exists changes nothing at all", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<InboxRecord> records = {inbox("x", 5, 1000), inbox("y", 5, 1001)};
  must(store->append_inbox(records));
  std::vector<EngineCommit> first(1);
  first[0].ticket_id = 5;
  first[0].state_json = R"({"v":1})";
  first[0].deadline = from_unix_ms(50'000);
  first[0].inbox_seq_done = records[0].seq;
  first[0].new_outbox = {outbox(5, "key-1", 2000)};
  first[0].audit = {audit(5, 1000, "decision")};
  must(store->commit(first));
  CHECK(first[0].new_outbox[0].id > 0);

  // Two commits in one call: the first is fine, the second reuses key-1.
  std::vector<EngineCommit> batch(2);
  batch[0].ticket_id = 6;
  batch[0].state_json = R"({"other":true})";
  batch[0].new_outbox = {outbox(6, "key-2", 2000)};
  batch[1].ticket_id = 5;
  batch[1].state_json = R"({"v":2})";
  batch[1].deadline = std::nullopt;
  batch[1].inbox_seq_done = records[1].seq;
  batch[1].new_outbox = {outbox(5, "key-1", 3000)};
  batch[1].audit = {audit(5, 1001, "decision")};
  batch[1].meta = {{"cursor", "42"}};
  Status s = store->commit(batch);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kAlreadyExists);
  CHECK(batch[0].new_outbox[0].id == 0);

  auto t5 = must(store->load_ticket(5));
  REQUIRE(t5.has_value());
  CHECK(t5->state_json == R"({"v":1})");
  CHECK(t5->deadline == from_unix_ms(50'000));
  CHECK_FALSE(must(store->load_ticket(6)).has_value());
  CHECK(event_ids(must(store->pending_inbox(0, 10))) == std::vector<std::string>{"y"});
  CHECK(must(store->audit_for_ticket(5)).size() == 1);
  CHECK(must(store->outbox_depth()) == 1);
  CHECK_FALSE(must(store->get_meta("cursor")).has_value());
}

TEST_CASE("commit keeps the mirror and deadline, deadlines are listed in order and cleared",
          "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<EngineCommit> commits(4);
  const int64_t deadlines[] = {30'000, 10'000, 20'000};
  for (int i = 0; i < 3; ++i) {
    commits[i].ticket_id = 100 + i;
    commits[i].state_json = R"({"t":)" + std::to_string(100 + i) + "}";
    commits[i].deadline = from_unix_ms(deadlines[i]);
  }
  commits[3].ticket_id = 200;
  commits[3].state_json = R"({"t":200})";
  must(store->commit(commits));

  std::vector<std::pair<TicketId, int64_t>> listed;
  must(store->for_each_deadline(
      [&](TicketId id, Instant at) { listed.emplace_back(id, to_unix_ms(at)); }));
  CHECK(listed ==
        std::vector<std::pair<TicketId, int64_t>>{{101, 10'000}, {102, 20'000}, {100, 30'000}});

  // 101: deadline cleared; 102: new mirror, deadline left alone; 100: no new
  // mirror, deadline moved.
  std::vector<EngineCommit> next(3);
  next[0].ticket_id = 101;
  next[0].state_json = R"({"t":101,"v":2})";
  next[0].deadline = std::nullopt;
  next[1].ticket_id = 102;
  next[1].state_json = R"({"t":102,"v":2})";
  next[1].set_deadline = false;
  next[2].ticket_id = 100;
  next[2].state_json = std::nullopt;
  next[2].deadline = from_unix_ms(5'000);
  must(store->commit(next));

  listed.clear();
  must(store->for_each_deadline(
      [&](TicketId id, Instant at) { listed.emplace_back(id, to_unix_ms(at)); }));
  CHECK(listed == std::vector<std::pair<TicketId, int64_t>>{{100, 5'000}, {102, 20'000}});

  auto t100 = must(store->load_ticket(100));
  REQUIRE(t100.has_value());
  CHECK(t100->state_json == R"({"t":100})");
  auto t101 = must(store->load_ticket(101));
  REQUIRE(t101.has_value());
  CHECK(t101->state_json == R"({"t":101,"v":2})");
  CHECK_FALSE(t101->deadline.has_value());
  auto t102 = must(store->load_ticket(102));
  REQUIRE(t102.has_value());
  CHECK(t102->state_json == R"({"t":102,"v":2})");
  CHECK(t102->deadline == from_unix_ms(20'000));
  CHECK_FALSE(must(store->load_ticket(999)).has_value());

  std::vector<TicketId> all;
  must(store->for_each_ticket([&](const TicketRow& row) { all.push_back(row.id); }));
  CHECK(all == std::vector<TicketId>{100, 101, 102, 200});
}

TEST_CASE("due_outbox honours not_before and id order, attempts and reschedule", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<EngineCommit> commits(2);
  commits[0].ticket_id = 1;
  commits[0].new_outbox = {outbox(1, "k1", 1000), outbox(1, "k2", 5000)};
  commits[1].ticket_id = 2;
  commits[1].new_outbox = {outbox(0, "k3", 500)};  // ticket id taken from the commit
  must(store->commit(commits));
  int64_t k1 = commits[0].new_outbox[0].id;
  int64_t k2 = commits[0].new_outbox[1].id;
  int64_t k3 = commits[1].new_outbox[0].id;
  CHECK(k1 < k2);
  CHECK(k2 < k3);

  auto due = must(store->due_outbox(from_unix_ms(1000), 10));
  CHECK(outbox_ids(due) == std::vector<int64_t>{k1, k3});
  CHECK(due[1].ticket_id == 2);
  CHECK(due[0].idempotency_key == "k1");
  CHECK(due[0].kind == "escalate");
  CHECK(due[0].payload_json == R"({"group_id":114002})");
  CHECK(due[0].created_at == from_unix_ms(0));
  CHECK(due[0].state == OutboxState::kPending);
  CHECK(outbox_ids(must(store->due_outbox(from_unix_ms(1000), 1))) == std::vector<int64_t>{k1});
  CHECK(outbox_ids(must(store->due_outbox(from_unix_ms(10'000), 10))) ==
        std::vector<int64_t>{k1, k2, k3});
  CHECK(outbox_ids(must(store->pending_outbox_for_ticket(1))) == std::vector<int64_t>{k1, k2});

  must(store->mark_outbox_attempt({k1}));
  auto after_attempt = must(store->pending_outbox_for_ticket(1));
  CHECK(after_attempt[0].attempts == 1);
  CHECK(after_attempt[0].maybe_sent);
  CHECK_FALSE(after_attempt[1].maybe_sent);

  must(store->reschedule_outbox({k1}, from_unix_ms(8000), "503 from vendor"));
  auto rescheduled = must(store->pending_outbox_for_ticket(1));
  CHECK(rescheduled[0].attempts == 1);
  CHECK_FALSE(rescheduled[0].maybe_sent);
  CHECK(rescheduled[0].not_before == from_unix_ms(8000));
  CHECK(rescheduled[0].last_error == "503 from vendor");
  CHECK(outbox_ids(must(store->due_outbox(from_unix_ms(6000), 10))) ==
        std::vector<int64_t>{k2, k3});

  must(store->mark_outbox_attempt({k1}));
  CHECK(must(store->pending_outbox_for_ticket(1))[0].attempts == 2);
}

TEST_CASE("outbox records finish as dead, done or cancelled, depth and oldest follow", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  CHECK(must(store->outbox_depth()) == 0);
  CHECK_FALSE(must(store->oldest_pending_outbox()).has_value());

  std::vector<EngineCommit> commits(1);
  commits[0].ticket_id = 3;
  commits[0].new_outbox = {outbox(3, "a", 4000), outbox(3, "b", 2000), outbox(3, "c", 3000),
                           outbox(3, "d", 5000)};
  must(store->commit(commits));
  std::vector<int64_t> ids = outbox_ids(commits[0].new_outbox);
  CHECK(must(store->outbox_depth()) == 4);
  CHECK(must(store->oldest_pending_outbox()) == from_unix_ms(1000));  // b: created at 1000

  std::vector<EngineCommit> dead_letters(2);
  dead_letters[0].ticket_id = 3;
  dead_letters[0].set_deadline = false;
  dead_letters[0].outbox_dead = {ids[1]};
  dead_letters[0].outbox_dead_reason = "422 unprocessable";
  dead_letters[1].ticket_id = 3;
  dead_letters[1].set_deadline = false;
  dead_letters[1].outbox_dead = {ids[3]};
  dead_letters[1].outbox_dead_reason = "404 ticket deleted";
  must(store->commit(dead_letters));
  CHECK(must(store->outbox_depth()) == 2);
  CHECK(must(store->oldest_pending_outbox()) == from_unix_ms(2000));  // c
  auto dead = must(store->dead_outbox(10));
  CHECK(outbox_ids(dead) == std::vector<int64_t>{ids[3], ids[1]});
  CHECK(dead[1].state == OutboxState::kDead);
  CHECK(dead[1].last_error == "422 unprocessable");
  CHECK(outbox_ids(must(store->dead_outbox(1))) == std::vector<int64_t>{ids[3]});

  std::vector<EngineCommit> confirm(1);
  confirm[0].ticket_id = 3;
  confirm[0].set_deadline = false;
  confirm[0].outbox_done = {ids[0]};
  confirm[0].outbox_cancelled = {ids[2], ids[1]};  // a dead record stays dead
  must(store->commit(confirm));
  CHECK(must(store->outbox_depth()) == 0);
  CHECK_FALSE(must(store->oldest_pending_outbox()).has_value());
  CHECK(must(store->due_outbox(from_unix_ms(100'000), 10)).empty());
  CHECK(must(store->dead_outbox(10)).size() == 2);

  // A finished record is not rescheduled back to life.
  must(store->reschedule_outbox({ids[2]}, from_unix_ms(0), "late failure"));
  CHECK(must(store->outbox_depth()) == 0);
}

TEST_CASE("audit is listed per ticket, streamed by window and kind, and pruned", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  must(store->append_audit(
      {audit(1, 1000, "event"), audit(2, 2000, "event"), audit(1, 3000, "decision")}));
  std::vector<EngineCommit> commits(1);
  commits[0].ticket_id = 1;
  commits[0].set_deadline = false;
  AuditRecord from_commit = audit(0, 4000, "write");  // ticket id taken from the commit
  commits[0].audit = {from_commit};
  must(store->commit(commits));

  auto t1 = must(store->audit_for_ticket(1));
  REQUIRE(t1.size() == 3);
  CHECK(t1[0].kind == "event");
  CHECK(t1[1].kind == "decision");
  CHECK(t1[2].kind == "write");
  CHECK(t1[0].id < t1[1].id);
  CHECK(t1[1].id < t1[2].id);
  CHECK(t1[0].at == from_unix_ms(1000));
  CHECK(t1[0].event_id == "ev-1000");
  CHECK(t1[0].detail_json == R"({"reason":"test"})");
  CHECK(t1[2].ticket_id == 1);

  std::vector<int64_t> since;
  must(store->for_each_audit({.since = from_unix_ms(2000)},
                             [&](const AuditRecord& r) { since.push_back(to_unix_ms(r.at)); }));
  CHECK(since == std::vector<int64_t>{2000, 3000, 4000});
  std::vector<int64_t> window;
  must(store->for_each_audit({.since = from_unix_ms(2000), .until = from_unix_ms(3000)},
                             [&](const AuditRecord& r) { window.push_back(to_unix_ms(r.at)); }));
  CHECK(window == std::vector<int64_t>{2000, 3000});
  std::vector<std::string> kinds;
  must(store->for_each_audit({.since = from_unix_ms(0), .kinds = {"write", "event"}},
                             [&](const AuditRecord& r) { kinds.push_back(r.kind); }));
  CHECK(kinds == std::vector<std::string>{"event", "event", "write"});
  std::vector<std::string> none;
  must(store->for_each_audit({.since = from_unix_ms(0), .kinds = {"no such kind"}},
                             [&](const AuditRecord& r) { none.push_back(r.kind); }));
  CHECK(none.empty());

  CHECK(must(store->prune_audit(from_unix_ms(3000))) == 2);
  CHECK(must(store->audit_for_ticket(2)).empty());
  CHECK(must(store->audit_for_ticket(1)).size() == 2);
  CHECK(must(store->prune_audit(from_unix_ms(3000))) == 0);
}

TEST_CASE("meta values are stored, overwritten and committed with the engine", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  CHECK_FALSE(must(store->get_meta("reconcile_cursor")).has_value());
  must(store->put_meta("reconcile_cursor", "1700000000"));
  CHECK(must(store->get_meta("reconcile_cursor")) == std::optional<std::string>("1700000000"));
  must(store->put_meta("reconcile_cursor", "1700000100"));
  CHECK(must(store->get_meta("reconcile_cursor")) == std::optional<std::string>("1700000100"));

  std::vector<EngineCommit> commits(1);
  commits[0].ticket_id = 1;
  commits[0].set_deadline = false;
  commits[0].meta = {{"round_robin.tier2", "3"}, {"reconcile_cursor", "1700000200"}};
  must(store->commit(commits));
  CHECK(must(store->get_meta("round_robin.tier2")) == std::optional<std::string>("3"));
  CHECK(must(store->get_meta("reconcile_cursor")) == std::optional<std::string>("1700000200"));
}

TEST_CASE("a commit decided on meta values stores nothing once another commit moved one",
          "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  auto cursor_commit = [](TicketId ticket, std::optional<std::string> expected, std::string value) {
    std::vector<EngineCommit> commits(1);
    commits[0].ticket_id = ticket;
    commits[0].state_json = R"({"ticket":)" + std::to_string(ticket) + "}";
    commits[0].set_deadline = false;
    commits[0].meta_expected = {{"roster.cursor.review", std::move(expected)}};
    commits[0].meta = {{"roster.cursor.review", std::move(value)}};
    return commits;
  };
  // Nothing stored yet: expecting none holds.
  auto first = cursor_commit(1, std::nullopt, "501");
  must(store->commit(first));
  // Two decided on "501": the first to commit wins, the second stores nothing.
  auto second = cursor_commit(2, "501", "502");
  auto late = cursor_commit(3, "501", "502");
  must(store->commit(second));
  Status refused = store->commit(late);
  CHECK(refused.code() == StatusCode::kConflict);
  CHECK_FALSE(must(store->load_ticket(3)).has_value());
  CHECK(must(store->get_meta("roster.cursor.review")) == std::optional<std::string>("502"));
  // Within one call the commits apply in order: each sees the one before.
  std::vector<EngineCommit> chained = cursor_commit(4, "502", "503");
  chained.push_back(cursor_commit(5, "503", "504")[0]);
  must(store->commit(chained));
  CHECK(must(store->get_meta("roster.cursor.review")) == std::optional<std::string>("504"));
  // Expecting none when a value is stored is refused too.
  auto stale_none = cursor_commit(6, std::nullopt, "501");
  CHECK(store->commit(stale_none).code() == StatusCode::kConflict);
}

TEST_CASE("everything survives closing and reopening the store", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  int64_t outbox_id = 0;
  {
    auto store = backend->open();
    std::vector<InboxRecord> records = {inbox("durable-1", 9, 1000), inbox("durable-2", 9, 1001)};
    must(store->append_inbox(records));
    std::vector<EngineCommit> commits(1);
    commits[0].ticket_id = 9;
    commits[0].state_json = R"({"tier":"tier2"})";
    commits[0].deadline = from_unix_ms(77'000);
    commits[0].inbox_seq_done = records[0].seq;
    commits[0].new_outbox = {outbox(9, "durable-key", 2000)};
    commits[0].audit = {audit(9, 1000, "decision")};
    must(store->commit(commits));
    outbox_id = commits[0].new_outbox[0].id;
    must(store->put_meta("cursor", "c1"));
  }
  auto store = backend->open();
  CHECK(event_ids(must(store->pending_inbox(0, 10))) == std::vector<std::string>{"durable-2"});
  auto ticket = must(store->load_ticket(9));
  REQUIRE(ticket.has_value());
  CHECK(ticket->state_json == R"({"tier":"tier2"})");
  CHECK(ticket->deadline == from_unix_ms(77'000));
  CHECK(outbox_ids(must(store->pending_outbox_for_ticket(9))) == std::vector<int64_t>{outbox_id});
  CHECK(must(store->audit_for_ticket(9)).size() == 1);
  CHECK(must(store->get_meta("cursor")) == std::optional<std::string>("c1"));
  CHECK(must(store->get_meta("schema_version")) ==
        std::optional<std::string>(std::to_string(backend->schema_version())));

  // A redelivery after the restart is still a duplicate; new records continue
  // the sequence.
  std::vector<InboxRecord> again = {inbox("durable-1", 9, 5000), inbox("durable-3", 9, 5001)};
  CHECK(must(store->append_inbox(again)) ==
        std::vector{AppendOutcome::kDuplicate, AppendOutcome::kAccepted});
}

TEST_CASE("concurrent appends from 8 threads lose nothing", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  constexpr int kThreads = 8;
  constexpr int kBatches = 20;
  constexpr int kPerBatch = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<InboxRecord> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          // Every thread also redelivers one shared id per batch.
          std::string id =
              i == 0 ? "shared-" + std::to_string(b)
                     : "t" + std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i);
          batch.push_back(inbox(id, t, 1000 + b));
        }
        if (!store->append_inbox(batch).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);

  auto all = must(store->pending_inbox(0, 100'000));
  CHECK(all.size() == size_t{kThreads * kBatches * (kPerBatch - 1) + kBatches});
  std::set<std::string> unique;
  int64_t last_seq = 0;
  bool increasing = true;
  for (const auto& r : all) {
    unique.insert(r.event_id);
    increasing = increasing && r.seq > last_seq;
    last_seq = r.seq;
  }
  CHECK(unique.size() == all.size());
  CHECK(increasing);
  CHECK(must(store->inbox_depth()) == static_cast<int64_t>(all.size()));
}
