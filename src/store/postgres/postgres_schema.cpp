#include "store/postgres/postgres_schema.h"

#include <spdlog/spdlog.h>

#include <array>
#include <limits>
#include <string>

#include "store/ticket_summary_sql.h"

namespace tierd::postgres {
namespace {

// Serialises migrations between processes; any constant unique to tierd.
constexpr int64_t kMigrationLockKey = 0x7469657264;  // "tierd"

// Version 1: the first released schema. Instants are Unix milliseconds.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE inbox (
  seq            BIGSERIAL PRIMARY KEY,
  event_id       TEXT NOT NULL UNIQUE,
  ticket_id      BIGINT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  event_time_ms  BIGINT NOT NULL,
  type           TEXT NOT NULL,
  event_json     TEXT NOT NULL,
  raw_body       BYTEA NOT NULL,
  processed      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX inbox_by_processed_seq ON inbox (processed, seq);
CREATE INDEX inbox_by_received_at ON inbox (received_at_ms);
CREATE TABLE tickets (
  id          BIGINT PRIMARY KEY,
  state_json  TEXT NOT NULL,
  deadline_ms BIGINT
);
CREATE INDEX tickets_by_deadline ON tickets (deadline_ms, id) WHERE deadline_ms IS NOT NULL;
CREATE TABLE outbox (
  id              BIGSERIAL PRIMARY KEY,
  ticket_id       BIGINT NOT NULL,
  kind            TEXT NOT NULL,
  payload_json    TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  created_at_ms   BIGINT NOT NULL,
  not_before_ms   BIGINT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  maybe_sent      BOOLEAN NOT NULL DEFAULT FALSE,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'done', 'dead', 'cancelled')),
  last_error      TEXT NOT NULL DEFAULT '',
  finished_at_ms  BIGINT
);
CREATE INDEX outbox_by_state_not_before ON outbox (state, not_before_ms);
CREATE INDEX outbox_by_ticket_state ON outbox (ticket_id, state);
CREATE TABLE audit (
  id          BIGSERIAL PRIMARY KEY,
  ticket_id   BIGINT NOT NULL,
  at_ms       BIGINT NOT NULL,
  kind        TEXT NOT NULL,
  event_id    TEXT NOT NULL DEFAULT '',
  detail_json TEXT NOT NULL
);
CREATE INDEX audit_by_ticket_id ON audit (ticket_id, id);
CREATE INDEX audit_by_at ON audit (at_ms);
)sql";

// Version 2: each ticket's summary (core/ticket_summary.h) beside its state,
// so that the engine starts from the summary index instead of decoding every
// state document. backfill_ticket_summaries() fills the columns of the
// tickets stored before.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE tickets ADD COLUMN open_assignee BIGINT;
ALTER TABLE tickets ADD COLUMN running_tier INTEGER;
ALTER TABLE tickets ADD COLUMN shadow_writes BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX tickets_clock_summary
  ON tickets (id, deadline_ms, open_assignee, running_tier, shadow_writes)
  WHERE )sql" TIERD_CLOCK_SUMMARY_ROWS ";";

// Version 3: shard ownership for replicas (cluster/lease_store.h). Lease
// times are the database's own (TIMESTAMPTZ from now()), unlike the Unix
// milliseconds the replicas write elsewhere, so that no replica's clock
// decides when a lease ends. A lease row is never deleted: a released lease
// keeps its last token with no owner. Tokens come from one sequence, so each
// is greater than every token issued before it.
constexpr const char* kSchemaV3 = R"sql(
CREATE SEQUENCE shard_lease_tokens AS BIGINT;
CREATE TABLE shard_leases (
  shard      INTEGER PRIMARY KEY CHECK (shard >= 0),
  owner      TEXT,
  token      BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE replicas (
  id            TEXT PRIMARY KEY,
  first_seen_at TIMESTAMPTZ NOT NULL,
  heartbeat_at  TIMESTAMPTZ NOT NULL
);
)sql";

// Version 4: the singletons' lease (cluster/lease.h's kSingletonLease, -1)
// is a row of the lease table beside the shards', so the check on the shard
// number admits it.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE shard_leases DROP CONSTRAINT shard_leases_shard_check;
ALTER TABLE shard_leases ADD CONSTRAINT shard_leases_shard_check CHECK (shard >= -1);
)sql";

std::string nullable(pqxx::work& txn, const std::optional<int64_t>& v) {
  return v ? txn.quote(*v) : std::string("NULL");
}

void backfill_ticket_summaries(pqxx::work& txn) {
  int64_t after_id = std::numeric_limits<int64_t>::min();
  size_t filled = 0;
  while (true) {
    pqxx::result page = txn.exec("SELECT id, state_json FROM tickets WHERE id > " +
                                 txn.quote(after_id) + " ORDER BY id LIMIT 1000");
    for (const auto& row : page) {
      TicketSummary s = sql::summary_of_state_json(std::string_view(row[1].c_str(), row[1].size()));
      txn.exec0("UPDATE tickets SET open_assignee = " + nullable(txn, s.open_assignee) +
                ", running_tier = " + nullable(txn, sql::running_tier_param(s)) +
                ", shadow_writes = " + (s.shadow_writes ? "TRUE" : "FALSE") +
                " WHERE id = " + txn.quote(row[0].as<int64_t>()));
    }
    filled += page.size();
    if (page.size() < 1000) break;
    after_id = page.back()[0].as<int64_t>();
  }
  spdlog::info("event=store_migrated store=postgres step=ticket_summaries tickets={}", filled);
}

constexpr std::array kMigrations = {
    Migration{1, kSchemaV1},
    Migration{2, kSchemaV2, backfill_ticket_summaries},
    Migration{3, kSchemaV3},
    Migration{4, kSchemaV4},
};

}  // namespace

std::span<const Migration> schema_migrations() {
  return kMigrations;
}

int schema_version(pqxx::transaction_base& txn) {
  pqxx::row has_meta = txn.exec1("SELECT to_regclass('meta') IS NOT NULL");
  if (!has_meta[0].as<bool>()) return 0;
  pqxx::result r = txn.exec("SELECT value FROM meta WHERE key = 'schema_version'");
  if (r.empty()) return 0;
  return std::stoi(r[0][0].as<std::string>());
}

std::string migrate(pqxx::connection_base& conn, std::span<const Migration> steps) {
  int target = steps.empty() ? 0 : steps.back().version;
  for (const Migration& step : steps) {
    pqxx::work txn(conn, "migrate");
    txn.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
    int current = schema_version(txn);
    if (current > target) {
      return "store: database schema version " + std::to_string(current) +
             " is newer than this build supports (" + std::to_string(target) + ")";
    }
    if (current >= step.version) {
      txn.commit();
      continue;
    }
    txn.exec0(step.sql);
    if (step.backfill) step.backfill(txn);
    txn.exec0("INSERT INTO meta (key, value) VALUES ('schema_version', " +
              txn.quote(std::to_string(step.version)) +
              ") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    txn.commit();
    spdlog::info("event=store_migrated store=postgres from={} to={}", current, step.version);
  }
  return {};
}

}  // namespace tierd::postgres
