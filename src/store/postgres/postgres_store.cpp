// Longer than the ~500 lines a file should keep to, and still one job: the
// whole Store interface (store/store.h) over PostgreSQL, beside its schema
// (postgres_schema.h). Its methods share one connection and its
// transactions, which a split by table would scatter.

#include "store/postgres/postgres_store.h"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <limits>
#include <string_view>
#include <tuple>

#include "cluster/fence_status.h"
#include "store/postgres/inbox_notifications.h"
#include "store/postgres/postgres_connection.h"
#include "store/sql_params.h"
#include "store/ticket_summary_sql.h"

namespace tierd {
namespace {

using sql::audit_kinds_json;
using sql::limit_param;
using sql::wall_clock_ms;

// Rows fetched per round trip by the for_each_* listings; the clock summaries
// are small rows read by the million at start.
constexpr int64_t kPageSize = 500;
constexpr int64_t kSummaryPageSize = 10000;

std::string text(const pqxx::field& f) {
  return std::string(f.c_str(), f.size());
}

// A nullable BIGINT parameter: libpqxx 6 sends a null `const char*` as NULL.
class NullableInt {
 public:
  explicit NullableInt(std::optional<int64_t> v) : text_(v ? std::to_string(*v) : ""), set_(v) {}
  const char* param() const { return set_ ? text_.c_str() : nullptr; }

 private:
  std::string text_;
  bool set_;
};

InboxRecord read_inbox(const pqxx::row& row) {
  InboxRecord r;
  r.seq = row[0].as<int64_t>();
  r.event_id = text(row[1]);
  r.ticket_id = row[2].as<int64_t>();
  r.received_at = from_unix_ms(row[3].as<int64_t>());
  r.event_time = from_unix_ms(row[4].as<int64_t>());
  r.type = text(row[5]);
  r.event_json = text(row[6]);
  r.raw_body = pqxx::binarystring(row[7]).str();
  return r;
}

OutboxRecord read_outbox(const pqxx::row& row) {
  OutboxRecord r;
  r.id = row[0].as<int64_t>();
  r.ticket_id = row[1].as<int64_t>();
  r.kind = text(row[2]);
  r.payload_json = text(row[3]);
  r.idempotency_key = text(row[4]);
  r.created_at = from_unix_ms(row[5].as<int64_t>());
  r.not_before = from_unix_ms(row[6].as<int64_t>());
  r.attempts = row[7].as<int>();
  r.maybe_sent = row[8].as<bool>();
  std::string state = text(row[9]);
  auto parsed = parse_outbox_state(state);
  // The CHECK constraint makes any other value impossible; pending is the safe
  // reading should it ever happen.
  r.state = parsed.value_or(OutboxState::kPending);
  r.last_error = text(row[10]);
  return r;
}

AuditRecord read_audit(const pqxx::row& row) {
  AuditRecord r;
  r.id = row[0].as<int64_t>();
  r.ticket_id = row[1].as<int64_t>();
  r.at = from_unix_ms(row[2].as<int64_t>());
  r.kind = text(row[3]);
  r.event_id = text(row[4]);
  r.detail_json = text(row[5]);
  return r;
}

template <typename T, typename Read>
std::vector<T> read_all(const pqxx::result& result, Read read) {
  std::vector<T> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(read(row));
  return out;
}

#define TIERD_INBOX_COLUMNS \
  "seq, event_id, ticket_id, received_at_ms, event_time_ms, type, event_json, raw_body"
#define TIERD_OUTBOX_COLUMNS                                                           \
  "id, ticket_id, kind, payload_json, idempotency_key, created_at_ms, not_before_ms, " \
  "attempts, maybe_sent, state, last_error"
#define TIERD_AUDIT_COLUMNS "id, ticket_id, at_ms, kind, event_id, detail_json"
// A ShardScope as three parameters: all shards, the shard count, the owned
// shards as a JSON array. The remainder is shard_of()'s, in SQL.
#define TIERD_PG_IN_SCOPE(id, all, shards, owned)                                       \
  "(" all "::boolean OR ((" id " % " shards "::bigint) + " shards "::bigint) % " shards \
  "::bigint IN (SELECT jsonb_array_elements_text(" owned "::jsonb)::bigint))"

// Prepared statements, (re)declared on every new connection.
const std::pair<const char*, const char*> kStatements[] = {
    {"insert_inbox",
     "INSERT INTO inbox (event_id, ticket_id, received_at_ms, event_time_ms, type, event_json, "
     "raw_body) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING "
     "RETURNING seq"},
    {"pending_inbox", "SELECT " TIERD_INBOX_COLUMNS
                      " FROM inbox WHERE NOT processed AND seq > $1 AND " TIERD_PG_IN_SCOPE(
                          "ticket_id", "$3", "$4", "$5") " ORDER BY seq LIMIT $2"},
    {"inbox_range",
     "SELECT " TIERD_INBOX_COLUMNS " FROM inbox WHERE received_at_ms >= $1 AND received_at_ms < $2 "
     "ORDER BY seq LIMIT $3"},
    {"inbox_depth", "SELECT COUNT(*) FROM inbox WHERE NOT processed"},
    {"inbox_done", "UPDATE inbox SET processed = TRUE WHERE seq = $1"},
    {"load_ticket", "SELECT state_json, deadline_ms FROM tickets WHERE id = $1"},
    {"deadlines_page",
     "SELECT id, deadline_ms FROM tickets WHERE deadline_ms IS NOT NULL "
     "AND (deadline_ms, id) > ($1, $2) ORDER BY deadline_ms, id LIMIT $3"},
    {"tickets_page",
     "SELECT id, state_json, deadline_ms FROM tickets WHERE id > $1 ORDER BY id LIMIT $2"},
    {"open_tickets_per_assignee",
     "SELECT open_assignee, count(*) FROM tickets WHERE open_assignee IS NOT NULL "
     "GROUP BY open_assignee"},
    {"clock_summaries_page",
     "SELECT id, deadline_ms, open_assignee, running_tier, shadow_writes FROM tickets "
     "WHERE id > $1 AND " TIERD_CLOCK_SUMMARY_ROWS
     " AND " TIERD_PG_IN_SCOPE("id", "$3", "$4", "$5") " ORDER BY id LIMIT $2"},
    // The summary columns change only with the state they summarise.
    {"upsert_ticket",
     "INSERT INTO tickets (id, state_json, deadline_ms, open_assignee, running_tier, "
     "shadow_writes) VALUES ($1, $2, $3, $4, $5, $6) "
     "ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, "
     "deadline_ms = excluded.deadline_ms, open_assignee = excluded.open_assignee, "
     "running_tier = excluded.running_tier, shadow_writes = excluded.shadow_writes"},
    {"upsert_ticket_state",
     "INSERT INTO tickets (id, state_json, deadline_ms, open_assignee, running_tier, "
     "shadow_writes) VALUES ($1, $2, NULL, $3, $4, $5) "
     "ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, "
     "open_assignee = excluded.open_assignee, running_tier = excluded.running_tier, "
     "shadow_writes = excluded.shadow_writes"},
    {"upsert_ticket_deadline",
     "INSERT INTO tickets (id, state_json, deadline_ms) VALUES ($1, '{}', $2) "
     "ON CONFLICT (id) DO UPDATE SET deadline_ms = excluded.deadline_ms"},
    {"insert_outbox",
     "INSERT INTO outbox (ticket_id, kind, payload_json, idempotency_key, created_at_ms, "
     "not_before_ms, attempts, maybe_sent, state, last_error) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"},
    {"finish_outbox",
     "UPDATE outbox SET state = $2, last_error = $3, finished_at_ms = $4, "
     "maybe_sent = CASE WHEN $2 = 'done' THEN FALSE ELSE maybe_sent END "
     "WHERE id = $1 AND state = 'pending'"},
    {"due_outbox",
     "SELECT " TIERD_OUTBOX_COLUMNS " FROM outbox WHERE state = 'pending' AND not_before_ms <= $1 "
     "AND " TIERD_PG_IN_SCOPE("ticket_id", "$3", "$4", "$5") " ORDER BY id LIMIT $2"},
    {"ticket_outbox", "SELECT " TIERD_OUTBOX_COLUMNS
                      " FROM outbox WHERE ticket_id = $1 AND state = 'pending' ORDER BY id"},
    {"dead_outbox",
     "SELECT " TIERD_OUTBOX_COLUMNS " FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT $1"},
    {"mark_attempt",
     "UPDATE outbox SET attempts = attempts + 1, maybe_sent = TRUE "
     "WHERE id = $1 AND state = 'pending'"},
    {"reschedule_outbox",
     "UPDATE outbox SET maybe_sent = FALSE, not_before_ms = $2, last_error = $3 "
     "WHERE id = $1 AND state = 'pending'"},
    {"outbox_depth", "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"},
    {"oldest_outbox", "SELECT MIN(created_at_ms) FROM outbox WHERE state = 'pending'"},
    {"insert_audit",
     "INSERT INTO audit (ticket_id, at_ms, kind, event_id, detail_json) "
     "VALUES ($1, $2, $3, $4, $5)"},
    {"ticket_audit", "SELECT " TIERD_AUDIT_COLUMNS " FROM audit WHERE ticket_id = $1 ORDER BY id"},
    // $4: the kinds as a JSON array, or NULL for every kind.
    {"audit_page", "SELECT " TIERD_AUDIT_COLUMNS
                   " FROM audit WHERE at_ms >= $1 AND at_ms <= $2 AND id > $3 AND ($4::jsonb IS "
                   "NULL OR kind IN (SELECT jsonb_array_elements_text($4::jsonb))) "
                   "ORDER BY id LIMIT $5"},
    {"prune_audit", "DELETE FROM audit WHERE at_ms < $1"},
    {"prune_inbox_bodies",
     "UPDATE inbox SET raw_body = ''::bytea WHERE processed AND received_at_ms < $1 "
     "AND received_at_ms >= $2 AND length(raw_body) > 0"},
    {"prune_inbox_records", "DELETE FROM inbox WHERE processed AND received_at_ms < $1"},
    // The token of a released lease stays on its row without an owner.
    {"hold_fence",
     "SELECT 1 FROM shard_leases WHERE shard = $1 AND token = $2 AND owner IS NOT NULL "
     "FOR SHARE"},
    {"notify_inbox", "SELECT pg_notify('" TIERD_INBOX_CHANNEL "', '')"},
    {"get_meta", "SELECT value FROM meta WHERE key = $1"},
    {"lock_meta", "SELECT pg_advisory_xact_lock(hashtext('tierd.meta:' || $1))"},
    {"upsert_meta",
     "INSERT INTO meta (key, value) VALUES ($1, $2) "
     "ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
};

#undef TIERD_INBOX_COLUMNS
#undef TIERD_OUTBOX_COLUMNS
#undef TIERD_AUDIT_COLUMNS

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, StoreAccess access, std::unique_ptr<pqxx::connection> conn)
      : db_(std::move(url), access, kStatements, std::move(conn)) {}

  Result<std::vector<AppendOutcome>> append_inbox(std::vector<InboxRecord>& records) override {
    std::vector<AppendOutcome> outcomes;
    std::vector<int64_t> seqs;
    Status s = db_.in_txn("append_inbox", [&](pqxx::work& txn) {
      outcomes.clear();
      seqs.clear();
      for (const InboxRecord& r : records) {
        pqxx::result res = txn.exec_prepared("insert_inbox", r.event_id, r.ticket_id,
                                             to_unix_ms(r.received_at), to_unix_ms(r.event_time),
                                             r.type, r.event_json, pqxx::binarystring(r.raw_body));
        bool accepted = !res.empty();
        outcomes.push_back(accepted ? AppendOutcome::kAccepted : AppendOutcome::kDuplicate);
        seqs.push_back(accepted ? res[0][0].as<int64_t>() : 0);
      }
      // Delivered at commit, to every replica listening (inbox_notifications.h):
      // the owner of the ticket's shard may be another process.
      if (std::find(outcomes.begin(), outcomes.end(), AppendOutcome::kAccepted) != outcomes.end())
        txn.exec_prepared("notify_inbox");
      return Status::Ok();
    });
    if (!s.ok()) return s;
    for (size_t i = 0; i < records.size(); ++i) {
      if (outcomes[i] == AppendOutcome::kAccepted) records[i].seq = seqs[i];
    }
    return outcomes;
  }

  Result<std::vector<InboxRecord>> pending_inbox(int64_t after_seq, size_t limit,
                                                 const cluster::ShardScope& scope) override {
    return db_.query<std::vector<InboxRecord>>("pending_inbox", [&](pqxx::work& txn) {
      return read_all<InboxRecord>(
          txn.exec_prepared("pending_inbox", after_seq, limit_param(limit), scope.all_shards,
                            std::max(scope.shards, 1), scope.owned_json()),
          read_inbox);
    });
  }

  Result<std::vector<InboxRecord>> inbox_range(Instant from, Instant to, size_t limit) override {
    return db_.query<std::vector<InboxRecord>>("inbox_range", [&](pqxx::work& txn) {
      return read_all<InboxRecord>(
          txn.exec_prepared("inbox_range", to_unix_ms(from), to_unix_ms(to), limit_param(limit)),
          read_inbox);
    });
  }

  Result<int64_t> inbox_depth() override {
    return db_.query<int64_t>("inbox_depth", [&](pqxx::work& txn) {
      return txn.exec_prepared1("inbox_depth")[0].as<int64_t>();
    });
  }

  Result<std::optional<TicketRow>> load_ticket(TicketId id) override {
    return db_.query<std::optional<TicketRow>>("load_ticket", [&](pqxx::work& txn) {
      pqxx::result r = txn.exec_prepared("load_ticket", id);
      if (r.empty()) return std::optional<TicketRow>();
      TicketRow t;
      t.id = id;
      t.state_json = text(r[0][0]);
      if (!r[0][1].is_null()) t.deadline = from_unix_ms(r[0][1].as<int64_t>());
      return std::optional<TicketRow>(std::move(t));
    });
  }

  Status for_each_deadline(const std::function<void(TicketId, Instant)>& fn) override {
    int64_t after_deadline = std::numeric_limits<int64_t>::min();
    int64_t after_id = std::numeric_limits<int64_t>::min();
    while (true) {
      auto page = db_.query<std::vector<std::pair<TicketId, int64_t>>>(
          "for_each_deadline", [&](pqxx::work& txn) {
            std::vector<std::pair<TicketId, int64_t>> rows;
            for (const auto& row :
                 txn.exec_prepared("deadlines_page", after_deadline, after_id, kPageSize)) {
              rows.emplace_back(row[0].as<int64_t>(), row[1].as<int64_t>());
            }
            return rows;
          });
      if (!page.ok()) return page.status();
      for (const auto& [id, at] : *page) fn(id, from_unix_ms(at));
      if (page->size() < static_cast<size_t>(kPageSize)) return Status::Ok();
      after_id = page->back().first;
      after_deadline = page->back().second;
    }
  }

  Status for_each_clock_summary(const cluster::ShardScope& scope,
                                const std::function<void(const ClockSummaryRow&)>& fn) override {
    const std::string owned = scope.owned_json();
    int64_t after_id = std::numeric_limits<int64_t>::min();
    while (true) {
      auto page =
          db_.query<std::vector<ClockSummaryRow>>("for_each_clock_summary", [&](pqxx::work& txn) {
            std::vector<ClockSummaryRow> rows;
            for (const auto& row :
                 txn.exec_prepared("clock_summaries_page", after_id, kSummaryPageSize,
                                   scope.all_shards, std::max(scope.shards, 1), owned)) {
              ClockSummaryRow r;
              r.id = row[0].as<int64_t>();
              if (!row[1].is_null()) r.deadline = from_unix_ms(row[1].as<int64_t>());
              if (!row[2].is_null()) r.summary.open_assignee = row[2].as<int64_t>();
              if (!row[3].is_null()) r.summary.running_tier = row[3].as<int>();
              r.summary.shadow_writes = row[4].as<bool>();
              rows.push_back(r);
            }
            return rows;
          });
      if (!page.ok()) return page.status();
      for (const ClockSummaryRow& r : *page) fn(r);
      if (page->size() < static_cast<size_t>(kSummaryPageSize)) return Status::Ok();
      after_id = page->back().id;
    }
  }

  Result<std::map<UserId, int64_t>> open_tickets_per_assignee() override {
    return db_.query<std::map<UserId, int64_t>>("open_tickets_per_assignee", [](pqxx::work& txn) {
      std::map<UserId, int64_t> open;
      for (const auto& row : txn.exec_prepared("open_tickets_per_assignee")) {
        open[row[0].as<int64_t>()] = row[1].as<int64_t>();
      }
      return open;
    });
  }

  Status for_each_ticket(const std::function<void(const TicketRow&)>& fn) override {
    int64_t after_id = std::numeric_limits<int64_t>::min();
    while (true) {
      auto page = db_.query<std::vector<TicketRow>>("for_each_ticket", [&](pqxx::work& txn) {
        std::vector<TicketRow> rows;
        for (const auto& row : txn.exec_prepared("tickets_page", after_id, kPageSize)) {
          TicketRow t;
          t.id = row[0].as<int64_t>();
          t.state_json = text(row[1]);
          if (!row[2].is_null()) t.deadline = from_unix_ms(row[2].as<int64_t>());
          rows.push_back(std::move(t));
        }
        return rows;
      });
      if (!page.ok()) return page.status();
      for (const TicketRow& t : *page) fn(t);
      if (page->size() < static_cast<size_t>(kPageSize)) return Status::Ok();
      after_id = page->back().id;
    }
  }

  Status commit(std::vector<EngineCommit>& commits) override {
    std::vector<std::vector<int64_t>> ids(commits.size());
    std::vector<cluster::ShardFence> fences;
    for (const EngineCommit& c : commits) {
      if (c.fence) fences.push_back(*c.fence);
    }
    Status s = db_.in_txn("commit", [&](pqxx::work& txn) {
      if (Status held = hold_fences(txn, fences); !held.ok()) return held;
      for (size_t i = 0; i < commits.size(); ++i) {
        if (Status same = meta_unchanged(txn, commits[i]); !same.ok()) return same;
        ids[i] = apply_commit(txn, commits[i]);
      }
      return Status::Ok();
    });
    for (size_t i = 0; i < commits.size(); ++i) {
      for (size_t j = 0; j < commits[i].new_outbox.size(); ++j) {
        OutboxRecord& o = commits[i].new_outbox[j];
        o.id = s.ok() ? ids[i][j] : 0;
        if (s.ok() && o.ticket_id == 0) o.ticket_id = commits[i].ticket_id;
      }
    }
    return s;
  }

  Result<std::vector<OutboxRecord>> due_outbox(Instant now, size_t limit,
                                               const cluster::ShardScope& scope) override {
    return db_.query<std::vector<OutboxRecord>>("due_outbox", [&](pqxx::work& txn) {
      return read_all<OutboxRecord>(
          txn.exec_prepared("due_outbox", to_unix_ms(now), limit_param(limit), scope.all_shards,
                            std::max(scope.shards, 1), scope.owned_json()),
          read_outbox);
    });
  }

  Result<std::vector<OutboxRecord>> pending_outbox_for_ticket(TicketId id) override {
    return db_.query<std::vector<OutboxRecord>>("pending_outbox_for_ticket", [&](pqxx::work& txn) {
      return read_all<OutboxRecord>(txn.exec_prepared("ticket_outbox", id), read_outbox);
    });
  }

  Status mark_outbox_attempt(const std::vector<int64_t>& ids,
                             const std::vector<cluster::ShardFence>& fences) override {
    return db_.in_txn("mark_outbox_attempt", [&](pqxx::work& txn) {
      if (Status held = hold_fences(txn, fences); !held.ok()) return held;
      for (int64_t id : ids) txn.exec_prepared0("mark_attempt", id);
      return Status::Ok();
    });
  }

  Status reschedule_outbox(const std::vector<int64_t>& ids, Instant not_before,
                           const std::string& error,
                           const std::vector<cluster::ShardFence>& fences) override {
    return db_.in_txn("reschedule_outbox", [&](pqxx::work& txn) {
      if (Status held = hold_fences(txn, fences); !held.ok()) return held;
      for (int64_t id : ids) {
        txn.exec_prepared0("reschedule_outbox", id, to_unix_ms(not_before), error);
      }
      return Status::Ok();
    });
  }

  Result<int64_t> outbox_depth() override {
    return db_.query<int64_t>("outbox_depth", [&](pqxx::work& txn) {
      return txn.exec_prepared1("outbox_depth")[0].as<int64_t>();
    });
  }

  Result<std::optional<Instant>> oldest_pending_outbox() override {
    return db_.query<std::optional<Instant>>("oldest_pending_outbox", [&](pqxx::work& txn) {
      pqxx::row row = txn.exec_prepared1("oldest_outbox");
      if (row[0].is_null()) return std::optional<Instant>();
      return std::optional<Instant>(from_unix_ms(row[0].as<int64_t>()));
    });
  }

  Result<std::vector<OutboxRecord>> dead_outbox(size_t limit) override {
    return db_.query<std::vector<OutboxRecord>>("dead_outbox", [&](pqxx::work& txn) {
      return read_all<OutboxRecord>(txn.exec_prepared("dead_outbox", limit_param(limit)),
                                    read_outbox);
    });
  }

  Status append_audit(const std::vector<AuditRecord>& records) override {
    return db_.in_txn("append_audit", [&](pqxx::work& txn) {
      for (const AuditRecord& r : records) insert_audit(txn, r, r.ticket_id);
      return Status::Ok();
    });
  }

  Result<std::vector<AuditRecord>> audit_for_ticket(TicketId id) override {
    return db_.query<std::vector<AuditRecord>>("audit_for_ticket", [&](pqxx::work& txn) {
      return read_all<AuditRecord>(txn.exec_prepared("ticket_audit", id), read_audit);
    });
  }

  Status for_each_audit(const AuditQuery& selected,
                        const std::function<void(const AuditRecord&)>& fn) override {
    const int64_t until =
        selected.until ? to_unix_ms(*selected.until) : std::numeric_limits<int64_t>::max();
    const std::string kinds_json = audit_kinds_json(selected);
    const std::optional<std::string> kinds =
        kinds_json.empty() ? std::nullopt : std::optional<std::string>(kinds_json);
    int64_t after_id = 0;
    while (true) {
      auto page = db_.query<std::vector<AuditRecord>>("for_each_audit", [&](pqxx::work& txn) {
        return read_all<AuditRecord>(txn.exec_prepared("audit_page", to_unix_ms(selected.since),
                                                       until, after_id, kinds, kPageSize),
                                     read_audit);
      });
      if (!page.ok()) return page.status();
      for (const AuditRecord& r : *page) fn(r);
      if (page->size() < static_cast<size_t>(kPageSize)) return Status::Ok();
      after_id = page->back().id;
    }
  }

  Result<InboxPruned> prune_inbox(Instant records_before, Instant bodies_before,
                                  const std::vector<cluster::ShardFence>& fences) override {
    InboxPruned pruned;
    Status s = db_.in_txn("prune_inbox", [&](pqxx::work& txn) {
      if (Status held = hold_fences(txn, fences); !held.ok()) return held;
      pruned.bodies =
          static_cast<int64_t>(txn.exec_prepared("prune_inbox_bodies", to_unix_ms(bodies_before),
                                                 to_unix_ms(records_before))
                                   .affected_rows());
      pruned.records = static_cast<int64_t>(
          txn.exec_prepared("prune_inbox_records", to_unix_ms(records_before)).affected_rows());
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return pruned;
  }

  Result<int64_t> prune_audit(Instant before,
                              const std::vector<cluster::ShardFence>& fences) override {
    int64_t deleted = 0;
    Status s = db_.in_txn("prune_audit", [&](pqxx::work& txn) {
      if (Status held = hold_fences(txn, fences); !held.ok()) return held;
      deleted = static_cast<int64_t>(
          txn.exec_prepared("prune_audit", to_unix_ms(before)).affected_rows());
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return deleted;
  }

  Result<std::optional<std::string>> get_meta(const std::string& key) override {
    return db_.query<std::optional<std::string>>("get_meta", [&](pqxx::work& txn) {
      pqxx::result r = txn.exec_prepared("get_meta", key);
      if (r.empty()) return std::optional<std::string>();
      return std::optional<std::string>(text(r[0][0]));
    });
  }

  Status put_meta(const std::string& key, const std::string& value) override {
    return db_.in_txn("put_meta", [&](pqxx::work& txn) {
      txn.exec_prepared0("upsert_meta", key, value);
      return Status::Ok();
    });
  }

 private:
  // Checks that every fence's token is still its shard's current one and
  // keeps the lease rows share-locked until the transaction ends, so that no
  // acquisition can take a shard between this check and the commit (an
  // acquisition updates the row and waits). Shards in order, so the locks
  // are taken in one order. kFenced names the first that no longer holds.
  static Status hold_fences(pqxx::work& txn, std::vector<cluster::ShardFence> fences) {
    std::sort(fences.begin(), fences.end(), [](const auto& a, const auto& b) {
      return std::tie(a.shard, a.token) < std::tie(b.shard, b.token);
    });
    fences.erase(std::unique(fences.begin(), fences.end()), fences.end());
    for (const cluster::ShardFence& f : fences) {
      if (txn.exec_prepared("hold_fence", f.shard, f.token).empty()) {
        return cluster::fenced_status(f);
      }
    }
    return Status::Ok();
  }

  // kConflict unless every meta value `c` was decided on is still stored.
  // Each key is locked (a transaction-scoped advisory lock, which also covers
  // a key not stored yet) until the transaction ends, so two replicas'
  // commits on one key go one after the other and the second sees the first.
  static Status meta_unchanged(pqxx::work& txn, const EngineCommit& c) {
    for (const auto& [key, expected] : c.meta_expected) {
      txn.exec_prepared("lock_meta", key);
      pqxx::result r = txn.exec_prepared("get_meta", key);
      std::optional<std::string> stored;
      if (!r.empty()) stored = r[0][0].as<std::string>();
      if (stored != expected) {
        return Status::Conflict("meta " + key + " changed by another replica meanwhile");
      }
    }
    return Status::Ok();
  }

  // Returns the ids of the new outbox records in order.
  static std::vector<int64_t> apply_commit(pqxx::work& txn, const EngineCommit& c) {
    NullableInt deadline(c.deadline ? std::optional<int64_t>(to_unix_ms(*c.deadline))
                                    : std::nullopt);
    NullableInt assignee(c.summary.open_assignee);
    NullableInt tier(sql::running_tier_param(c.summary));
    if (c.state_json && c.set_deadline) {
      txn.exec_prepared0("upsert_ticket", c.ticket_id, *c.state_json, deadline.param(),
                         assignee.param(), tier.param(), c.summary.shadow_writes);
    } else if (c.state_json) {
      txn.exec_prepared0("upsert_ticket_state", c.ticket_id, *c.state_json, assignee.param(),
                         tier.param(), c.summary.shadow_writes);
    } else if (c.set_deadline) {
      // A deadline without a stored mirror creates the row with an empty JSON
      // object, so the deadline is never dropped.
      txn.exec_prepared0("upsert_ticket_deadline", c.ticket_id, deadline.param());
    }
    if (c.inbox_seq_done) txn.exec_prepared0("inbox_done", *c.inbox_seq_done);
    std::vector<int64_t> ids;
    for (const OutboxRecord& o : c.new_outbox) {
      TicketId ticket = o.ticket_id != 0 ? o.ticket_id : c.ticket_id;
      pqxx::row row =
          txn.exec_prepared1("insert_outbox", ticket, o.kind, o.payload_json, o.idempotency_key,
                             to_unix_ms(o.created_at), to_unix_ms(o.not_before), o.attempts,
                             o.maybe_sent, outbox_state_name(o.state), o.last_error);
      ids.push_back(row[0].as<int64_t>());
    }
    int64_t now = wall_clock_ms();
    for (int64_t id : c.outbox_done) {
      txn.exec_prepared0("finish_outbox", id, "done", "confirmed", now);
    }
    for (int64_t id : c.outbox_cancelled) {
      txn.exec_prepared0("finish_outbox", id, "cancelled", "superseded", now);
    }
    for (int64_t id : c.outbox_dead) {
      txn.exec_prepared0("finish_outbox", id, "dead", c.outbox_dead_reason, now);
    }
    for (const AuditRecord& a : c.audit) {
      insert_audit(txn, a, a.ticket_id != 0 ? a.ticket_id : c.ticket_id);
    }
    for (const auto& [key, value] : c.meta) txn.exec_prepared0("upsert_meta", key, value);
    return ids;
  }

  static void insert_audit(pqxx::work& txn, const AuditRecord& r, TicketId ticket) {
    txn.exec_prepared0("insert_audit", ticket, to_unix_ms(r.at), r.kind, r.event_id, r.detail_json);
  }

 private:
  postgres::SharedConnection db_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& connection_url,
                                                   StoreAccess access) {
  auto conn = postgres::open_connection(connection_url, access, kStatements);
  if (!conn.ok()) return conn.status();
  if (access == StoreAccess::kReadWrite) spdlog::info("event=store_opened store=postgres");
  return std::unique_ptr<Store>(
      std::make_unique<PostgresStore>(connection_url, access, std::move(conn).value()));
}

}  // namespace tierd
