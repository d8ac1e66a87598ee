#include "store/sqlite/sqlite_schema.h"

#include <spdlog/spdlog.h>

#include <array>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "store/ticket_summary_sql.h"

namespace tierd::sqlite {
namespace {

// Version 1: the first released schema. Instants are Unix milliseconds.
// AUTOINCREMENT keeps inbox seq and outbox ids from ever being reused, even
// after old rows are deleted, because cursors remember them.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE inbox (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id       TEXT NOT NULL UNIQUE,
  ticket_id      INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  event_time_ms  INTEGER NOT NULL,
  type           TEXT NOT NULL,
  event_json     TEXT NOT NULL,
  raw_body       BLOB NOT NULL,
  processed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_by_processed_seq ON inbox (processed, seq);
CREATE INDEX inbox_by_received_at ON inbox (received_at_ms);
CREATE TABLE tickets (
  id          INTEGER PRIMARY KEY,
  state_json  TEXT NOT NULL,
  deadline_ms INTEGER
);
CREATE INDEX tickets_by_deadline ON tickets (deadline_ms) WHERE deadline_ms IS NOT NULL;
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_id       INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  payload_json    TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  created_at_ms   INTEGER NOT NULL,
  not_before_ms   INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  maybe_sent      INTEGER NOT NULL DEFAULT 0,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'done', 'dead', 'cancelled')),
  last_error      TEXT NOT NULL DEFAULT '',
  finished_at_ms  INTEGER
);
CREATE INDEX outbox_by_state_not_before ON outbox (state, not_before_ms);
CREATE INDEX outbox_by_ticket_state ON outbox (ticket_id, state);
CREATE TABLE audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_id   INTEGER NOT NULL,
  at_ms       INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  event_id    TEXT NOT NULL DEFAULT '',
  detail_json TEXT NOT NULL
);
CREATE INDEX audit_by_ticket_id ON audit (ticket_id, id);
CREATE INDEX audit_by_at ON audit (at_ms);
)sql";

// Version 2: each ticket's summary (core/ticket_summary.h) beside its state,
// so that the engine starts from one covering index instead of decoding every
// state document. backfill_ticket_summaries() fills the columns of the
// tickets stored before.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE tickets ADD COLUMN open_assignee INTEGER;
ALTER TABLE tickets ADD COLUMN running_tier INTEGER;
ALTER TABLE tickets ADD COLUMN shadow_writes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_clock_summary
  ON tickets (id, deadline_ms, open_assignee, running_tier, shadow_writes)
  WHERE )sql" TIERD_CLOCK_SUMMARY_ROWS ";";

// Pages by id, so no statement reads the table while it is being updated.
Status backfill_ticket_summaries(Connection& db) {
  constexpr const char* kContext = "migrate: ticket summaries";
  int64_t after_id = std::numeric_limits<int64_t>::min();
  size_t filled = 0;
  while (true) {
    std::vector<std::pair<int64_t, TicketSummary>> page;
    {
      auto read = db.prepare(
          "SELECT id, state_json FROM tickets WHERE id > ?1 ORDER BY id LIMIT 1000", kContext);
      if (!read.ok()) return read.status();
      read->bind(1, after_id);
      while (true) {
        Result<bool> row = read->step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        page.emplace_back(read->int64_at(0), sql::summary_of_state_json(read->text_at(1)));
      }
    }
    for (const auto& [id, summary] : page) {
      auto write = db.prepare(
          "UPDATE tickets SET open_assignee = ?2, running_tier = ?3, shadow_writes = ?4 "
          "WHERE id = ?1",
          kContext);
      if (!write.ok()) return write.status();
      write->bind(1, id);
      write->bind(2, summary.open_assignee);
      write->bind(3, sql::running_tier_param(summary));
      write->bind(4, int64_t{summary.shadow_writes ? 1 : 0});
      if (Status s = write->run(); !s.ok()) return s;
    }
    filled += page.size();
    if (page.size() < 1000) break;
    after_id = page.back().first;
  }
  spdlog::info("event=store_migrated store=sqlite step=ticket_summaries tickets={}", filled);
  return Status::Ok();
}

constexpr std::array kMigrations = {
    Migration{1, kSchemaV1},
    Migration{2, kSchemaV2, backfill_ticket_summaries},
};

constexpr const char* kReadVersion = "SELECT value FROM meta WHERE key = 'schema_version'";

Status rollback_with(Connection& db, Status failure) {
  if (db.in_transaction()) (void)db.exec("ROLLBACK", "migrate");
  return failure;
}

}  // namespace

std::span<const Migration> schema_migrations() {
  return kMigrations;
}

Result<int> schema_version(Connection& db) {
  auto has_meta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                             "schema_version");
  if (!has_meta.ok()) return has_meta.status();
  auto found = has_meta->step();
  if (!found.ok()) return found.status();
  if (!*found) return 0;

  auto read = db.prepare(kReadVersion, "schema_version");
  if (!read.ok()) return read.status();
  auto row = read->step();
  if (!row.ok()) return row.status();
  if (!*row) return 0;
  std::string text = read->text_at(0);
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return Status::Internal("store: meta schema_version is not a number: " + text);
  }
}

Status migrate(Connection& db, std::span<const Migration> steps) {
  int target = steps.empty() ? 0 : steps.back().version;
  for (const Migration& step : steps) {
    // The version is read inside the write transaction so that two processes
    // opening the same new file do not both apply a step.
    if (Status s = db.exec("BEGIN IMMEDIATE", "migrate"); !s.ok()) return s;
    Result<int> current = schema_version(db);
    if (!current.ok()) return rollback_with(db, current.status());
    if (*current > target) {
      return rollback_with(
          db,
          Status::Internal("store: database schema version " + std::to_string(*current) +
                           " is newer than this build supports (" + std::to_string(target) + ")"));
    }
    if (*current >= step.version) {
      if (Status s = db.exec("COMMIT", "migrate"); !s.ok()) return rollback_with(db, s);
      continue;
    }
    std::string context = "migrate to schema version " + std::to_string(step.version);
    if (Status s = db.exec(step.sql, context); !s.ok()) return rollback_with(db, s);
    if (step.backfill) {
      if (Status s = step.backfill(db); !s.ok()) return rollback_with(db, s);
    }
    auto bump = db.prepare(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        "migrate");
    if (!bump.ok()) return rollback_with(db, bump.status());
    bump->bind(1, std::to_string(step.version));
    if (Status s = bump->run(); !s.ok()) return rollback_with(db, s);
    if (Status s = db.exec("COMMIT", "migrate"); !s.ok()) return rollback_with(db, s);
    spdlog::info("event=store_migrated store=sqlite from={} to={}", *current, step.version);
  }
  return Status::Ok();
}

}  // namespace tierd::sqlite
