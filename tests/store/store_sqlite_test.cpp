// SQLite-only behaviour of the store: files, schema migrations, locking and
// online backup. The shared Store semantics are in store_test.cpp.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/wal_checkpointer.h"
#include "support/must.h"
#include "support/process_harness.h"
#include "store_records.h"
#include "ticket_summary_fixtures.h"

using namespace tierd;
using tierd::testing::inbox_record;
using tierd::testing::must;
using tierd::testing::TempDir;

namespace {


// Fills a store with one inbox record, one ticket and a meta value.
void populate(Store& store) {
  std::vector<InboxRecord> records = {inbox_record("ev-1", 42)};
  must(store.append_inbox(records));
  std::vector<EngineCommit> commits(1);
  commits[0].ticket_id = 42;
  commits[0].state_json = R"({"tier":"tier1"})";
  commits[0].deadline = from_unix_ms(60'000);
  must(store.commit(commits));
  must(store.put_meta("cursor", "c9"));
}

void check_populated(Store& store) {
  auto ticket = must(store.load_ticket(42));
  REQUIRE(ticket.has_value());
  CHECK(ticket->state_json == R"({"tier":"tier1"})");
  CHECK(ticket->deadline == from_unix_ms(60'000));
  CHECK(must(store.pending_inbox(0, 10)).size() == 1);
  CHECK(must(store.get_meta("cursor")) == std::optional<std::string>("c9"));
}

bool has_table(sqlite::Connection& db, const std::string& name) {
  auto stmt =
      must(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", "test"));
  stmt.bind(1, name);
  return must(stmt.step());
}

// This build's schema version, and a step after it as a later build adds one.
const int kReleased = sqlite::schema_migrations().back().version;
const sqlite::Migration kTestNext{
    kReleased + 1,
    "ALTER TABLE tickets ADD COLUMN note TEXT NOT NULL DEFAULT 'next'; "
    "CREATE INDEX tickets_by_note ON tickets (note);"};

std::vector<sqlite::Migration> released_plus(sqlite::Migration extra) {
  auto released = sqlite::schema_migrations();
  std::vector<sqlite::Migration> steps(released.begin(), released.end());
  steps.push_back(extra);
  return steps;
}

}  // namespace

TEST_CASE("opening creates the directory and a WAL database at this build's schema version",
          "[sqlite_store]") {
  TempDir dir;
  std::string path = dir.file("nested/deeper/tierd.db");
  auto store = must(open_sqlite_store({.path = path}));
  CHECK(std::filesystem::is_regular_file(path));
  CHECK(must(store->get_meta("schema_version")) ==
        std::optional<std::string>(std::to_string(kReleased)));

  auto raw = must(sqlite::Connection::open(path, false, std::chrono::seconds(1)));
  auto mode = must(raw->prepare("PRAGMA journal_mode", "test"));
  REQUIRE(must(mode.step()));
  CHECK(mode.text_at(0) == "wal");
  CHECK(must(sqlite::schema_version(*raw)) == kReleased);
}

TEST_CASE("an empty path is rejected", "[sqlite_store]") {
  auto store = open_sqlite_store({.path = ""});
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a store opened with synchronous NORMAL keeps its data across reopening",
          "[sqlite_store]") {
  TempDir dir;
  SqliteOptions options{.path = dir.file("tierd.db"), .synchronous_full = false};
  populate(*must(open_sqlite_store(options)));
  check_populated(*must(open_sqlite_store(options)));
}

TEST_CASE("checkpoints copy the WAL into the database beside the writer and keep it bounded",
          "[sqlite_store]") {
  TempDir dir;
  const std::string path = dir.file("tierd.db");
  // NORMAL: the same checkpoints without a sync per commit, so the test is quick.
  auto store = must(open_sqlite_store({.path = path, .synchronous_full = false}));
  const auto db_size = [&] { return std::filesystem::file_size(path); };
  const auto wal_size = [&] { return std::filesystem::file_size(path + "-wal"); };
  const uintmax_t empty_db = db_size();

  // About 3 pages per record, some 10,000 in all: past the background
  // threshold many times, and past the foreground one if the WAL were never
  // reused.
  constexpr int kRecords = 4'000;
  constexpr int kBatch = 50;
  int64_t next = 0;
  for (int b = 0; b < kRecords / kBatch; ++b) {
    std::vector<InboxRecord> records;
    for (int i = 0; i < kBatch; ++i, ++next) {
      InboxRecord r = inbox_record("ev-" + std::to_string(next), next);
      r.raw_body = std::string(10'000, 'x');
      records.push_back(std::move(r));
    }
    must(store->append_inbox(records));
  }
  CHECK(must(store->inbox_depth()) == kRecords);
  // The records reached the database file, which the writer never writes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (db_size() < empty_db + uintmax_t{30} * 1024 * 1024 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(db_size() >= empty_db + uintmax_t{30} * 1024 * 1024);
  // A WAL frame is a page plus a 24-byte header; one batch is about 150 pages.
  constexpr uintmax_t kFrame = 4096 + 24;
  CHECK(wal_size() <= (sqlite::WalCheckpointer::kForegroundPages + 400) * kFrame);
}

TEST_CASE("a later migration step runs on an existing file and keeps its data", "[sqlite_store]") {
  TempDir dir;
  std::string path = dir.file("tierd.db");
  populate(*must(open_sqlite_store({.path = path})));

  {
    auto db = must(sqlite::Connection::open(path, false, std::chrono::seconds(1)));
    REQUIRE(must(sqlite::schema_version(*db)) == kReleased);
    must(sqlite::migrate(*db, released_plus(kTestNext)));
    CHECK(must(sqlite::schema_version(*db)) == kReleased + 1);
    auto note = must(db->prepare("SELECT note FROM tickets WHERE id = 42", "test"));
    REQUIRE(must(note.step()));
    CHECK(note.text_at(0) == "next");
    // Running the same list again is a no-op.
    must(sqlite::migrate(*db, released_plus(kTestNext)));
    CHECK(must(sqlite::schema_version(*db)) == kReleased + 1);
  }

  // This build refuses a database written by a newer one.
  auto newer = open_sqlite_store({.path = path});
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().code() == StatusCode::kInternal);
  CHECK(newer.status().message().find("newer than this build") != std::string::npos);
}

TEST_CASE("a failing migration step leaves the database at the version before it",
          "[sqlite_store]") {
  TempDir dir;
  std::string path = dir.file("tierd.db");
  populate(*must(open_sqlite_store({.path = path})));

  auto db = must(sqlite::Connection::open(path, false, std::chrono::seconds(1)));
  // The step's first statement succeeds, its second fails: neither may stay.
  Status s = sqlite::migrate(
      *db, released_plus(
               {kReleased + 1, "CREATE TABLE extra (x INTEGER); CREATE TABLE inbox (y INTEGER);"}));
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("already exists") != std::string::npos);
  CHECK(must(sqlite::schema_version(*db)) == kReleased);
  CHECK_FALSE(has_table(*db, "extra"));
  CHECK_FALSE(db->in_transaction());

  check_populated(*must(open_sqlite_store({.path = path})));
}

TEST_CASE("a database locked by another connection answers kUnavailable", "[sqlite_store]") {
  TempDir dir;
  std::string path = dir.file("tierd.db");
  auto store =
      must(open_sqlite_store({.path = path, .busy_timeout = std::chrono::milliseconds(50)}));
  populate(*store);

  auto other = must(sqlite::Connection::open(path, false, std::chrono::milliseconds(50)));
  must(other->exec("BEGIN EXCLUSIVE", "test"));

  std::vector<InboxRecord> records = {inbox_record("ev-2", 43)};
  auto appended = store->append_inbox(records);
  REQUIRE_FALSE(appended.ok());
  CHECK(appended.status().code() == StatusCode::kUnavailable);
  CHECK(appended.status().message().find("database is locked") != std::string::npos);
  CHECK(records[0].seq == 0);
  Status put = store->put_meta("k", "v");
  CHECK(put.code() == StatusCode::kUnavailable);
  // WAL readers are not blocked by the writer lock.
  check_populated(*store);

  must(other->exec("ROLLBACK", "test"));
  CHECK(must(store->append_inbox(records)) == std::vector{AppendOutcome::kAccepted});
}

TEST_CASE("the error mapping separates transient, duplicate and other failures", "[sqlite_store]") {
  CHECK(sqlite::status_from_sqlite(SQLITE_BUSY, "database is locked", "x").code() ==
        StatusCode::kUnavailable);
  CHECK(sqlite::status_from_sqlite(SQLITE_IOERR_FSYNC, "disk I/O error", "x").code() ==
        StatusCode::kUnavailable);
  CHECK(sqlite::status_from_sqlite(SQLITE_FULL, "", "x").code() == StatusCode::kUnavailable);
  CHECK(sqlite::status_from_sqlite(SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed", "x")
            .code() == StatusCode::kAlreadyExists);
  CHECK(sqlite::status_from_sqlite(SQLITE_CORRUPT, "", "x").code() == StatusCode::kInternal);
  CHECK(sqlite::status_from_sqlite(SQLITE_BUSY, "database is locked", "append_inbox").message() ==
        "store: database is locked (append_inbox)");
}

TEST_CASE("backup copies an open database into a readable file", "[sqlite_store]") {
  TempDir dir;
  std::string path = dir.file("tierd.db");
  auto store = must(open_sqlite_store({.path = path}));
  populate(*store);

  std::string copy = dir.file("backups/tierd-copy.db");
  must(backup_sqlite(path, copy));
  CHECK_FALSE(std::filesystem::exists(copy + ".partial"));
  // Writes after the backup are not in it.
  must(store->put_meta("cursor", "after-backup"));

  auto restored = must(open_sqlite_store({.path = copy}));
  auto ticket = must(restored->load_ticket(42));
  REQUIRE(ticket.has_value());
  CHECK(ticket->state_json == R"({"tier":"tier1"})");
  CHECK(must(restored->get_meta("cursor")) == std::optional<std::string>("c9"));
}

TEST_CASE("backup of a missing database fails and writes nothing", "[sqlite_store]") {
  TempDir dir;
  Status s = backup_sqlite(dir.file("absent.db"), dir.file("copy.db"));
  CHECK(s.code() == StatusCode::kInternal);
  CHECK_FALSE(std::filesystem::exists(dir.file("copy.db")));
}

TEST_CASE("upgrading a schema 1 file derives the ticket summaries from the stored states",
          "[sqlite_store]") {
  TempDir dir;
  std::string path = dir.file("tierd.db");
  auto tickets = tierd::testing::summarised_tickets();
  {
    // The file as the build before the summary columns left it.
    auto db = must(sqlite::Connection::open(path, true, std::chrono::seconds(1)));
    must(sqlite::migrate(*db, sqlite::schema_migrations().first(1)));
    REQUIRE(must(sqlite::schema_version(*db)) == 1);
    for (const auto& t : tickets) {
      auto insert = must(db->prepare(
          "INSERT INTO tickets (id, state_json, deadline_ms) VALUES (?1, ?2, ?3)", "test"));
      insert.bind(1, t.id);
      insert.bind(2, t.state_json);
      insert.bind(3, t.id == 1 ? std::optional<int64_t>(50'000) : std::nullopt);
      must(insert.run());
    }
    must(db->exec("INSERT INTO tickets (id, state_json, deadline_ms) VALUES (5, 'not json', 70000)",
                  "test"));
  }

  auto store = must(open_sqlite_store({.path = path}));
  CHECK(must(store->get_meta("schema_version")) == std::optional<std::string>("2"));
  tierd::testing::check_upgraded_summaries(*store, tickets);
}

TEST_CASE("the SQLite store refuses fenced writes and changes nothing", "[sqlite_store]") {
  TempDir dir;
  auto store = must(open_sqlite_store({.path = dir.file("tierd.db")}));
  populate(*store);
  auto pending = must(store->pending_inbox(0, 10));
  REQUIRE(pending.size() == 1);

  std::vector<EngineCommit> fenced(1);
  fenced[0].ticket_id = 42;
  fenced[0].state_json = R"({"tier":"tier2"})";
  fenced[0].inbox_seq_done = pending[0].seq;
  fenced[0].fence = cluster::ShardFence{3, 17};
  Status refused = store->commit(fenced);
  CHECK(refused.code() == StatusCode::kInvalidArgument);
  CHECK(refused.message().find("keeps no shard leases") != std::string::npos);
  CHECK(store->mark_outbox_attempt({1}, {{3, 17}}).code() == StatusCode::kInvalidArgument);
  CHECK(store->reschedule_outbox({1}, from_unix_ms(0), "x", {{3, 17}}).code() ==
        StatusCode::kInvalidArgument);
  check_populated(*store);
}
