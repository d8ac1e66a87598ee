// Longer than the ~500 lines a file should keep to, and still one job: the
// whole Store interface (store/store.h) over SQLite. The connection, schema
// and backup have files of their own; what is left shares one set of
// statements and transactions, which a split by table would scatter.

#include "store/sqlite/sqlite_store.h"
#include "store/private_files.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>

#include "runtime/mutex.h"
#include "store/sql_params.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/ticket_summary_sql.h"

namespace tierd {
namespace {

using sql::audit_kinds_json;
using sql::limit_param;
using sql::wall_clock_ms;

using sqlite::Connection;
using sqlite::Statement;

// A ShardScope as three parameters: all shards (0/1), the shard count, the
// owned shards as a JSON array. The remainder is shard_of()'s, in SQL.
#define TIERD_SQLITE_IN_SCOPE(all, shards, owned)                 \
  "(" all " OR ((ticket_id % " shards ") + " shards ") % " shards \
  " IN (SELECT value FROM "                                       \
  "json_each(" owned ")))"
constexpr const char* kSelectPendingInbox =
    "SELECT seq, event_id, ticket_id, received_at_ms, event_time_ms, type, event_json, raw_body "
    "FROM inbox WHERE processed = 0 AND seq > ?1 AND " TIERD_SQLITE_IN_SCOPE(
        "?3", "?4", "?5") " ORDER BY seq LIMIT ?2";
constexpr const char* kSelectInboxRange =
    "SELECT seq, event_id, ticket_id, received_at_ms, event_time_ms, type, event_json, raw_body "
    "FROM inbox WHERE received_at_ms >= ?1 AND received_at_ms < ?2 ORDER BY seq LIMIT ?3";
constexpr const char* kSelectDueOutbox =
    "SELECT id, ticket_id, kind, payload_json, idempotency_key, created_at_ms, not_before_ms, "
    "attempts, maybe_sent, state, last_error "
    "FROM outbox WHERE state = 'pending' AND not_before_ms <= ?1 AND " TIERD_SQLITE_IN_SCOPE(
        "?3", "?4", "?5") " ORDER BY id LIMIT ?2";
constexpr const char* kSelectTicketOutbox =
    "SELECT id, ticket_id, kind, payload_json, idempotency_key, created_at_ms, not_before_ms, "
    "attempts, maybe_sent, state, last_error "
    "FROM outbox WHERE ticket_id = ?1 AND state = 'pending' ORDER BY id";
constexpr const char* kSelectDeadOutbox =
    "SELECT id, ticket_id, kind, payload_json, idempotency_key, created_at_ms, not_before_ms, "
    "attempts, maybe_sent, state, last_error "
    "FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT ?1";
constexpr const char* kSelectTicketAudit =
    "SELECT id, ticket_id, at_ms, kind, event_id, detail_json "
    "FROM audit WHERE ticket_id = ?1 ORDER BY id";
// ?3: the kinds as a JSON array, or NULL for every kind. The records come in
// id order: the time index only finds the first one, and the window is then
// read along the primary key, filtered (`+at_ms` keeps the planner off the
// time index, which would read the window in time order and sort it by id).
constexpr const char* kSelectAudit =
    "SELECT id, ticket_id, at_ms, kind, event_id, detail_json FROM audit "
    "WHERE id >= (SELECT MIN(id) FROM audit WHERE at_ms >= ?1) AND +at_ms >= ?1 "
    "AND +at_ms <= ?2 AND (?3 IS NULL OR kind IN (SELECT value FROM json_each(?3))) "
    "ORDER BY id";

constexpr const char* kInsertInbox =
    "INSERT INTO inbox (event_id, ticket_id, received_at_ms, event_time_ms, type, event_json, "
    "raw_body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (event_id) DO NOTHING";
constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (ticket_id, kind, payload_json, idempotency_key, created_at_ms, "
    "not_before_ms, attempts, maybe_sent, state, last_error) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr const char* kInsertAudit =
    "INSERT INTO audit (ticket_id, at_ms, kind, event_id, detail_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kUpsertMeta =
    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

InboxRecord read_inbox(const Statement& row) {
  InboxRecord r;
  r.seq = row.int64_at(0);
  r.event_id = row.text_at(1);
  r.ticket_id = row.int64_at(2);
  r.received_at = from_unix_ms(row.int64_at(3));
  r.event_time = from_unix_ms(row.int64_at(4));
  r.type = row.text_at(5);
  r.event_json = row.text_at(6);
  r.raw_body = row.text_at(7);
  return r;
}

Result<OutboxRecord> read_outbox(const Statement& row) {
  OutboxRecord r;
  r.id = row.int64_at(0);
  r.ticket_id = row.int64_at(1);
  r.kind = row.text_at(2);
  r.payload_json = row.text_at(3);
  r.idempotency_key = row.text_at(4);
  r.created_at = from_unix_ms(row.int64_at(5));
  r.not_before = from_unix_ms(row.int64_at(6));
  r.attempts = static_cast<int>(row.int64_at(7));
  r.maybe_sent = row.int64_at(8) != 0;
  std::string state = row.text_at(9);
  auto parsed = parse_outbox_state(state);
  if (!parsed)
    return Status::Internal("store: outbox " + std::to_string(r.id) + " has state " + state);
  r.state = *parsed;
  r.last_error = row.text_at(10);
  return r;
}

AuditRecord read_audit(const Statement& row) {
  AuditRecord r;
  r.id = row.int64_at(0);
  r.ticket_id = row.int64_at(1);
  r.at = from_unix_ms(row.int64_at(2));
  r.kind = row.text_at(3);
  r.event_id = row.text_at(4);
  r.detail_json = row.text_at(5);
  return r;
}

// Binds a ShardScope to TIERD_SQLITE_IN_SCOPE's three parameters from `first` on.
void bind_scope(Statement& stmt, int first, const cluster::ShardScope& scope) {
  stmt.bind(first, int64_t{scope.all_shards ? 1 : 0});
  stmt.bind(first + 1, int64_t{std::max(scope.shards, 1)});
  stmt.bind(first + 2, scope.owned_json());
}

// Steps `stmt` to the end, calling `on_row(stmt)` for each row; on_row may
// return a Status to stop with that error.
template <typename OnRow>
Status for_each_row(Statement& stmt, OnRow&& on_row) {
  while (true) {
    Result<bool> row = stmt.step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    if (Status s = on_row(stmt); !s.ok()) return s;
  }
}

Result<std::vector<OutboxRecord>> collect_outbox(Statement& stmt) {
  std::vector<OutboxRecord> out;
  Status s = for_each_row(stmt, [&](const Statement& row) {
    Result<OutboxRecord> r = read_outbox(row);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<InboxRecord>> collect_inbox(Statement& stmt) {
  std::vector<InboxRecord> out;
  Status s = for_each_row(stmt, [&](const Statement& row) {
    out.push_back(read_inbox(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> single_int(Statement& stmt) {
  Result<bool> row = stmt.step();
  if (!row.ok()) return row.status();
  if (!*row || stmt.is_null_at(0)) return int64_t{0};
  return stmt.int64_at(0);
}

class SqliteStore final : public Store {
 public:
  // `checkpointer` (null for a read-only store) hooks `writer`.
  SqliteStore(std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader,
              std::unique_ptr<sqlite::WalCheckpointer> checkpointer = nullptr)
      : writer_(std::move(writer)),
        reader_(std::move(reader)),
        checkpointer_(std::move(checkpointer)) {}

  Result<std::vector<AppendOutcome>> append_inbox(std::vector<InboxRecord>& records) override {
    std::vector<AppendOutcome> outcomes;
    outcomes.reserve(records.size());
    Status s = write_txn("append_inbox", [&](Connection& db) -> Status {
      for (InboxRecord& r : records) {
        auto insert = db.prepare(kInsertInbox, "append_inbox");
        if (!insert.ok()) return insert.status();
        insert->bind(1, r.event_id);
        insert->bind(2, r.ticket_id);
        insert->bind(3, to_unix_ms(r.received_at));
        insert->bind(4, to_unix_ms(r.event_time));
        insert->bind(5, r.type);
        insert->bind(6, r.event_json);
        insert->bind_blob(7, r.raw_body);
        if (Status st = insert->run(); !st.ok()) return st;
        if (db.changes() == 1) {
          r.seq = db.last_insert_rowid();
          outcomes.push_back(AppendOutcome::kAccepted);
        } else {
          outcomes.push_back(AppendOutcome::kDuplicate);
        }
      }
      return Status::Ok();
    });
    if (!s.ok()) {
      for (InboxRecord& r : records) r.seq = 0;  // nothing was stored
      return s;
    }
    return outcomes;
  }

  Result<std::vector<InboxRecord>> pending_inbox(int64_t after_seq, size_t limit,
                                                 const cluster::ShardScope& scope) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectPendingInbox, "pending_inbox");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, after_seq);
    stmt->bind(2, limit_param(limit));
    bind_scope(*stmt, 3, scope);
    return collect_inbox(*stmt);
  }

  Result<std::vector<InboxRecord>> inbox_range(Instant from, Instant to, size_t limit) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectInboxRange, "inbox_range");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, to_unix_ms(from));
    stmt->bind(2, to_unix_ms(to));
    stmt->bind(3, limit_param(limit));
    return collect_inbox(*stmt);
  }

  Result<int64_t> inbox_depth() override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare("SELECT COUNT(*) FROM inbox WHERE processed = 0", "inbox_depth");
    if (!stmt.ok()) return stmt.status();
    return single_int(*stmt);
  }

  Result<std::optional<TicketRow>> load_ticket(TicketId id) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare("SELECT state_json, deadline_ms FROM tickets WHERE id = ?1",
                                 "load_ticket");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, id);
    Result<bool> row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<TicketRow>();
    TicketRow t;
    t.id = id;
    t.state_json = stmt->text_at(0);
    if (!stmt->is_null_at(1)) t.deadline = from_unix_ms(stmt->int64_at(1));
    return std::optional<TicketRow>(std::move(t));
  }

  Status for_each_deadline(const std::function<void(TicketId, Instant)>& fn) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(
        "SELECT id, deadline_ms FROM tickets WHERE deadline_ms IS NOT NULL "
        "ORDER BY deadline_ms, id",
        "for_each_deadline");
    if (!stmt.ok()) return stmt.status();
    return for_each_row(*stmt, [&](const Statement& row) {
      fn(row.int64_at(0), from_unix_ms(row.int64_at(1)));
      return Status::Ok();
    });
  }

  Status for_each_clock_summary(const cluster::ShardScope& scope,
                                const std::function<void(const ClockSummaryRow&)>& fn) override {
    MutexLock lock(read_mu_);
    // The tickets table names its id `id`; the scope's SQL reads `ticket_id`.
    auto stmt = reader_->prepare(
        "SELECT id, deadline_ms, open_assignee, running_tier, shadow_writes FROM (SELECT id, "
        "id AS ticket_id, deadline_ms, open_assignee, running_tier, shadow_writes FROM tickets "
        "INDEXED BY tickets_clock_summary WHERE " TIERD_CLOCK_SUMMARY_ROWS
        ") WHERE " TIERD_SQLITE_IN_SCOPE("?1", "?2", "?3") " ORDER BY id",
        "for_each_clock_summary");
    if (!stmt.ok()) return stmt.status();
    bind_scope(*stmt, 1, scope);
    return for_each_row(*stmt, [&](const Statement& row) {
      ClockSummaryRow r;
      r.id = row.int64_at(0);
      if (!row.is_null_at(1)) r.deadline = from_unix_ms(row.int64_at(1));
      if (!row.is_null_at(2)) r.summary.open_assignee = row.int64_at(2);
      if (!row.is_null_at(3)) r.summary.running_tier = static_cast<int>(row.int64_at(3));
      r.summary.shadow_writes = row.int64_at(4) != 0;
      fn(r);
      return Status::Ok();
    });
  }

  Result<std::map<UserId, int64_t>> open_tickets_per_assignee() override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(
        "SELECT open_assignee, count(*) FROM tickets WHERE open_assignee IS NOT NULL "
        "GROUP BY open_assignee",
        "open_tickets_per_assignee");
    if (!stmt.ok()) return stmt.status();
    std::map<UserId, int64_t> open;
    Status s = for_each_row(*stmt, [&](const Statement& row) {
      open[row.int64_at(0)] = row.int64_at(1);
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return open;
  }

  Status for_each_ticket(const std::function<void(const TicketRow&)>& fn) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare("SELECT id, state_json, deadline_ms FROM tickets ORDER BY id",
                                 "for_each_ticket");
    if (!stmt.ok()) return stmt.status();
    return for_each_row(*stmt, [&](const Statement& row) {
      TicketRow t;
      t.id = row.int64_at(0);
      t.state_json = row.text_at(1);
      if (!row.is_null_at(2)) t.deadline = from_unix_ms(row.int64_at(2));
      fn(t);
      return Status::Ok();
    });
  }

  Status commit(std::vector<EngineCommit>& commits) override {
    for (const EngineCommit& c : commits) {
      if (c.fence) return no_leases_here("commit");
    }
    Status s = write_txn("commit", [&](Connection& db) -> Status {
      for (EngineCommit& c : commits) {
        if (Status st = apply_commit(db, c); !st.ok()) return st;
      }
      return Status::Ok();
    });
    if (!s.ok()) {
      for (EngineCommit& c : commits) {
        for (OutboxRecord& o : c.new_outbox) o.id = 0;  // nothing was stored
      }
    }
    return s;
  }

  Result<std::vector<OutboxRecord>> due_outbox(Instant now, size_t limit,
                                               const cluster::ShardScope& scope) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectDueOutbox, "due_outbox");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, to_unix_ms(now));
    stmt->bind(2, limit_param(limit));
    bind_scope(*stmt, 3, scope);
    return collect_outbox(*stmt);
  }

  Result<std::vector<OutboxRecord>> pending_outbox_for_ticket(TicketId id) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectTicketOutbox, "pending_outbox_for_ticket");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, id);
    return collect_outbox(*stmt);
  }

  Status mark_outbox_attempt(const std::vector<int64_t>& ids,
                             const std::vector<cluster::ShardFence>& fences) override {
    if (!fences.empty()) return no_leases_here("mark_outbox_attempt");
    return write_txn("mark_outbox_attempt", [&](Connection& db) -> Status {
      for (int64_t id : ids) {
        auto stmt = db.prepare(
            "UPDATE outbox SET attempts = attempts + 1, maybe_sent = 1 "
            "WHERE id = ?1 AND state = 'pending'",
            "mark_outbox_attempt");
        if (!stmt.ok()) return stmt.status();
        stmt->bind(1, id);
        if (Status st = stmt->run(); !st.ok()) return st;
      }
      return Status::Ok();
    });
  }

  Status reschedule_outbox(const std::vector<int64_t>& ids, Instant not_before,
                           const std::string& error,
                           const std::vector<cluster::ShardFence>& fences) override {
    if (!fences.empty()) return no_leases_here("reschedule_outbox");
    return write_txn("reschedule_outbox", [&](Connection& db) -> Status {
      for (int64_t id : ids) {
        // Only pending records: one the engine cancelled meanwhile stays so.
        auto stmt = db.prepare(
            "UPDATE outbox SET maybe_sent = 0, not_before_ms = ?2, last_error = ?3 "
            "WHERE id = ?1 AND state = 'pending'",
            "reschedule_outbox");
        if (!stmt.ok()) return stmt.status();
        stmt->bind(1, id);
        stmt->bind(2, to_unix_ms(not_before));
        stmt->bind(3, error);
        if (Status st = stmt->run(); !st.ok()) return st;
      }
      return Status::Ok();
    });
  }

  Result<int64_t> outbox_depth() override {
    MutexLock lock(read_mu_);
    auto stmt =
        reader_->prepare("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", "outbox_depth");
    if (!stmt.ok()) return stmt.status();
    return single_int(*stmt);
  }

  Result<std::optional<Instant>> oldest_pending_outbox() override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare("SELECT MIN(created_at_ms) FROM outbox WHERE state = 'pending'",
                                 "oldest_pending_outbox");
    if (!stmt.ok()) return stmt.status();
    Result<bool> row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row || stmt->is_null_at(0)) return std::optional<Instant>();
    return std::optional<Instant>(from_unix_ms(stmt->int64_at(0)));
  }

  Result<std::vector<OutboxRecord>> dead_outbox(size_t limit) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectDeadOutbox, "dead_outbox");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, limit_param(limit));
    return collect_outbox(*stmt);
  }

  Status append_audit(const std::vector<AuditRecord>& records) override {
    return write_txn("append_audit", [&](Connection& db) -> Status {
      for (const AuditRecord& r : records) {
        if (Status st = insert_audit(db, r, r.ticket_id, "append_audit"); !st.ok()) return st;
      }
      return Status::Ok();
    });
  }

  Result<std::vector<AuditRecord>> audit_for_ticket(TicketId id) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectTicketAudit, "audit_for_ticket");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, id);
    std::vector<AuditRecord> out;
    Status s = for_each_row(*stmt, [&](const Statement& row) {
      out.push_back(read_audit(row));
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return out;
  }

  Status for_each_audit(const AuditQuery& query,
                        const std::function<void(const AuditRecord&)>& fn) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare(kSelectAudit, "for_each_audit");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, to_unix_ms(query.since));
    stmt->bind(2, query.until ? to_unix_ms(*query.until) : std::numeric_limits<int64_t>::max());
    const std::string kinds = audit_kinds_json(query);
    if (kinds.empty()) {
      stmt->bind(3, std::optional<int64_t>());
    } else {
      stmt->bind(3, std::string_view(kinds));
    }
    return for_each_row(*stmt, [&](const Statement& row) {
      fn(read_audit(row));
      return Status::Ok();
    });
  }

  Result<InboxPruned> prune_inbox(Instant records_before, Instant bodies_before,
                                  const std::vector<cluster::ShardFence>& fences) override {
    if (!fences.empty()) return no_leases_here("prune_inbox");
    InboxPruned pruned;
    Status s = write_txn("prune_inbox", [&](Connection& db) -> Status {
      auto drop = db.prepare(
          "UPDATE inbox SET raw_body = x'' WHERE processed = 1 AND received_at_ms < ?1 "
          "AND received_at_ms >= ?2 AND length(raw_body) > 0",
          "prune_inbox");
      if (!drop.ok()) return drop.status();
      drop->bind(1, to_unix_ms(bodies_before));
      drop->bind(2, to_unix_ms(records_before));
      if (Status st = drop->run(); !st.ok()) return st;
      pruned.bodies = db.changes();
      auto remove = db.prepare("DELETE FROM inbox WHERE processed = 1 AND received_at_ms < ?1",
                               "prune_inbox");
      if (!remove.ok()) return remove.status();
      remove->bind(1, to_unix_ms(records_before));
      if (Status st = remove->run(); !st.ok()) return st;
      pruned.records = db.changes();
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return pruned;
  }

  Result<int64_t> prune_audit(Instant before,
                              const std::vector<cluster::ShardFence>& fences) override {
    if (!fences.empty()) return no_leases_here("prune_audit");
    int64_t deleted = 0;
    Status s = write_txn("prune_audit", [&](Connection& db) -> Status {
      auto stmt = db.prepare("DELETE FROM audit WHERE at_ms < ?1", "prune_audit");
      if (!stmt.ok()) return stmt.status();
      stmt->bind(1, to_unix_ms(before));
      if (Status st = stmt->run(); !st.ok()) return st;
      deleted = db.changes();
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return deleted;
  }

  Result<std::optional<std::string>> get_meta(const std::string& key) override {
    MutexLock lock(read_mu_);
    auto stmt = reader_->prepare("SELECT value FROM meta WHERE key = ?1", "get_meta");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, key);
    Result<bool> row = stmt->step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(stmt->text_at(0));
  }

  Status put_meta(const std::string& key, const std::string& value) override {
    return write_txn("put_meta",
                     [&](Connection& db) { return upsert_meta(db, key, value, "put_meta"); });
  }

 private:
  // Runs `body` on the writer connection inside BEGIN IMMEDIATE ... COMMIT;
  // rolls back when the body or the commit fails. IMMEDIATE takes the write
  // lock up front, so a lock held elsewhere shows up as SQLITE_BUSY at BEGIN
  // (after the busy timeout) rather than halfway through.
  template <typename Body>
  Status write_txn(std::string_view context, Body&& body) {
    MutexLock lock(write_mu_);
    Status s = writer_->exec("BEGIN IMMEDIATE", context);
    if (!s.ok()) return s;
    s = body(*writer_);
    if (s.ok()) s = writer_->exec("COMMIT", context);
    if (!s.ok() && writer_->in_transaction()) (void)writer_->exec("ROLLBACK", context);
    return s;
  }

  // A fenced write here means a replica was pointed at a store no other
  // replica sees (store.h, Fencing).
  static Status no_leases_here(const char* where) {
    return Status::InvalidArgument(std::string("store: the SQLite store keeps no shard leases; "
                                               "fenced writes need the PostgreSQL store (") +
                                   where + ")");
  }

  static Status apply_commit(Connection& db, EngineCommit& c) {
    // One writer holds the file, so nothing else can have moved a meta value;
    // the check keeps the contract the same as PostgreSQL's.
    for (const auto& [key, expected] : c.meta_expected) {
      auto stmt = db.prepare("SELECT value FROM meta WHERE key = ?1", "commit");
      if (!stmt.ok()) return stmt.status();
      stmt->bind(1, key);
      Result<bool> row = stmt->step();
      if (!row.ok()) return row.status();
      std::optional<std::string> stored;
      if (*row) stored = stmt->text_at(0);
      if (stored != expected) return Status::Conflict("meta " + key + " changed meanwhile");
    }
    if (Status s = write_ticket(db, c); !s.ok()) return s;
    if (c.inbox_seq_done) {
      auto stmt = db.prepare("UPDATE inbox SET processed = 1 WHERE seq = ?1", "commit");
      if (!stmt.ok()) return stmt.status();
      stmt->bind(1, *c.inbox_seq_done);
      if (Status s = stmt->run(); !s.ok()) return s;
    }
    for (OutboxRecord& o : c.new_outbox) {
      if (o.ticket_id == 0) o.ticket_id = c.ticket_id;
      auto stmt = db.prepare(kInsertOutbox, "commit");
      if (!stmt.ok()) return stmt.status();
      stmt->bind(1, o.ticket_id);
      stmt->bind(2, o.kind);
      stmt->bind(3, o.payload_json);
      stmt->bind(4, o.idempotency_key);
      stmt->bind(5, to_unix_ms(o.created_at));
      stmt->bind(6, to_unix_ms(o.not_before));
      stmt->bind(7, int64_t{o.attempts});
      stmt->bind(8, int64_t{o.maybe_sent ? 1 : 0});
      stmt->bind(9, std::string_view(outbox_state_name(o.state)));
      stmt->bind(10, o.last_error);
      if (Status s = stmt->run(); !s.ok()) return s;
      o.id = db.last_insert_rowid();
    }
    for (int64_t id : c.outbox_done) {
      if (Status s = finish_one(db, id, OutboxState::kDone, "confirmed", "commit"); !s.ok()) {
        return s;
      }
    }
    for (int64_t id : c.outbox_cancelled) {
      if (Status s = finish_one(db, id, OutboxState::kCancelled, "superseded", "commit"); !s.ok()) {
        return s;
      }
    }
    for (int64_t id : c.outbox_dead) {
      if (Status s = finish_one(db, id, OutboxState::kDead, c.outbox_dead_reason, "commit");
          !s.ok()) {
        return s;
      }
    }
    for (const AuditRecord& a : c.audit) {
      TicketId ticket = a.ticket_id != 0 ? a.ticket_id : c.ticket_id;
      if (Status s = insert_audit(db, a, ticket, "commit"); !s.ok()) return s;
    }
    for (const auto& [key, value] : c.meta) {
      if (Status s = upsert_meta(db, key, value, "commit"); !s.ok()) return s;
    }
    return Status::Ok();
  }

  // A deadline without a stored mirror creates the row with an empty JSON
  // object, so the deadline is never dropped.
  static Status write_ticket(Connection& db, const EngineCommit& c) {
    std::optional<int64_t> deadline;
    if (c.deadline) deadline = to_unix_ms(*c.deadline);
    const char* sql = nullptr;
    // The summary columns change only with the state they summarise.
    if (c.state_json && c.set_deadline) {
      sql =
          "INSERT INTO tickets (id, state_json, deadline_ms, open_assignee, running_tier, "
          "shadow_writes) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
          "ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, "
          "deadline_ms = excluded.deadline_ms, open_assignee = excluded.open_assignee, "
          "running_tier = excluded.running_tier, shadow_writes = excluded.shadow_writes";
    } else if (c.state_json) {
      sql =
          "INSERT INTO tickets (id, state_json, deadline_ms, open_assignee, running_tier, "
          "shadow_writes) VALUES (?1, ?2, NULL, ?4, ?5, ?6) "
          "ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, "
          "open_assignee = excluded.open_assignee, running_tier = excluded.running_tier, "
          "shadow_writes = excluded.shadow_writes";
    } else if (c.set_deadline) {
      sql =
          "INSERT INTO tickets (id, state_json, deadline_ms) VALUES (?1, '{}', ?3) "
          "ON CONFLICT (id) DO UPDATE SET deadline_ms = excluded.deadline_ms";
    } else {
      return Status::Ok();
    }
    auto stmt = db.prepare(sql, "commit");
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, c.ticket_id);
    if (c.state_json) {
      stmt->bind(2, *c.state_json);
      stmt->bind(4, c.summary.open_assignee);
      stmt->bind(5, sql::running_tier_param(c.summary));
      stmt->bind(6, int64_t{c.summary.shadow_writes ? 1 : 0});
    }
    if (c.set_deadline) stmt->bind(3, deadline);
    return stmt->run();
  }

  // Terminal states are final: only a pending record changes.
  static Status finish_one(Connection& db, int64_t id, OutboxState state,
                           const std::string& outcome, std::string_view context) {
    auto stmt = db.prepare(
        "UPDATE outbox SET state = ?2, last_error = ?3, finished_at_ms = ?4, "
        "maybe_sent = CASE WHEN ?2 = 'done' THEN 0 ELSE maybe_sent END "
        "WHERE id = ?1 AND state = 'pending'",
        context);
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, id);
    stmt->bind(2, std::string_view(outbox_state_name(state)));
    stmt->bind(3, outcome);
    stmt->bind(4, wall_clock_ms());
    return stmt->run();
  }

  static Status insert_audit(Connection& db, const AuditRecord& r, TicketId ticket,
                             std::string_view context) {
    auto stmt = db.prepare(kInsertAudit, context);
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, ticket);
    stmt->bind(2, to_unix_ms(r.at));
    stmt->bind(3, r.kind);
    stmt->bind(4, r.event_id);
    stmt->bind(5, r.detail_json);
    return stmt->run();
  }

  static Status upsert_meta(Connection& db, const std::string& key, const std::string& value,
                            std::string_view context) {
    auto stmt = db.prepare(kUpsertMeta, context);
    if (!stmt.ok()) return stmt.status();
    stmt->bind(1, key);
    stmt->bind(2, value);
    return stmt->run();
  }

  // Every transaction that changes something.
  Mutex write_mu_;
  const std::unique_ptr<Connection> writer_ PT_GUARDED_BY(write_mu_);
  // Listings and lookups (query-only).
  Mutex read_mu_;
  const std::unique_ptr<Connection> reader_ PT_GUARDED_BY(read_mu_);
  // Declared last: it unhooks the writer connection before that closes.
  const std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
};

Status configure(Connection& db, const SqliteOptions& options, bool writer) {
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = ";
  pragmas += options.synchronous_full ? "FULL;" : "NORMAL;";
  if (!writer) pragmas += " PRAGMA query_only = ON;";
  return db.exec(pragmas.c_str(), "configure " + options.path);
}

Status enable_wal(Connection& db, const std::string& path) {
  auto stmt = db.prepare("PRAGMA journal_mode = WAL", "enable WAL on " + path);
  if (!stmt.ok()) return stmt.status();
  Result<bool> row = stmt->step();
  if (!row.ok()) return row.status();
  std::string mode = *row ? stmt->text_at(0) : "";
  if (mode != "wal") {
    return Status::Internal("store: cannot use WAL mode for " + path + " (journal mode " + mode +
                            ")");
  }
  return Status::Ok();
}

// Both connections read-only: the write methods then fail with SQLite's
// "attempt to write a readonly database".
Result<std::unique_ptr<Store>> open_read_only(const SqliteOptions& options) {
  auto writer = Connection::open_read_only(options.path, options.busy_timeout);
  if (!writer.ok()) return writer.status();
  Result<int> version = sqlite::schema_version(**writer);
  if (!version.ok()) return version.status();
  const int expected = sqlite::schema_migrations().back().version;
  if (*version == 0) {
    return Status::NotFound("store: " + options.path + " is not a tierd database");
  }
  if (*version != expected) {
    return Status::Internal("store: " + options.path + " has schema version " +
                            std::to_string(*version) + ", this build reads version " +
                            std::to_string(expected) +
                            (*version < expected ? " (tierd serve upgrades it)" : ""));
  }
  if (Status s = configure(**writer, options, /*writer=*/false); !s.ok()) return s;
  auto reader = Connection::open_read_only(options.path, options.busy_timeout);
  if (!reader.ok()) return reader.status();
  if (Status s = configure(**reader, options, /*writer=*/false); !s.ok()) return s;
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(std::move(writer).value(), std::move(reader).value()));
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("store: sqlite path is empty");
  if (options.access == StoreAccess::kReadOnly) return open_read_only(options);
  // SQLite creates the -wal and -shm files with the database file's mode.
  if (Status s = make_private_file(options.path); !s.ok())
    return Status::Internal("store: " + s.message());

  auto writer = Connection::open(options.path, /*create=*/true, options.busy_timeout);
  if (!writer.ok()) return writer.status();
  if (Status s = enable_wal(**writer, options.path); !s.ok()) return s;
  if (Status s = configure(**writer, options, /*writer=*/true); !s.ok()) return s;
  if (Status s = sqlite::migrate(**writer, sqlite::schema_migrations()); !s.ok()) return s;

  auto reader = Connection::open(options.path, /*create=*/false, options.busy_timeout);
  if (!reader.ok()) return reader.status();
  if (Status s = configure(**reader, options, /*writer=*/false); !s.ok()) return s;

  auto checkpoints = Connection::open(options.path, /*create=*/false, options.busy_timeout);
  if (!checkpoints.ok()) return checkpoints.status();
  if (Status s = configure(**checkpoints, options, /*writer=*/true); !s.ok()) return s;
  auto checkpointer =
      std::make_unique<sqlite::WalCheckpointer>(**writer, std::move(checkpoints).value());

  spdlog::info("event=store_opened store=sqlite path={} synchronous={}", options.path,
               options.synchronous_full ? "full" : "normal");
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      std::move(writer).value(), std::move(reader).value(), std::move(checkpointer)));
}

}  // namespace tierd
