// Store: tierd's durable state, behind one interface with an SQLite
// implementation (the embedded default, src/store/sqlite/) and a PostgreSQL one
// (for several replicas, src/store/postgres/).
//
// What lives here:
//   inbox   — every accepted webhook delivery, unique by event id, in arrival
//             order (seq); marked processed by the engine.
//   tickets — the engine's mirror of each ticket (an opaque JSON document the
//             core defines), its next deadline, if any, and its summary
//             (core/ticket_summary.h) in plain columns, so the engine starts
//             without decoding any document. The engine computes the summary;
//             the store keeps it with the document it came from, and derives it
//             from the documents itself only once, when it upgrades a store
//             written before the summary was kept.
//   outbox  — writes to the helpdesk that decisions asked for, in order per
//             ticket, until the vendor confirmed them (or they were dead-lettered
//             or superseded). The engine creates and ends records in commit();
//             the api writer only records its attempts (mark_outbox_attempt,
//             reschedule_outbox) in between.
//   audit   — what happened to each ticket and why, for `tierd explain` and
//             `tierd report`.
//   meta    — small named values: cursors, round-robin positions, schema version.
//
// Thread safety: every method may be called from any thread; implementations
// serialise writers internally. Each method is atomic: it either commits all of
// its effect or none and returns a non-OK Status (kUnavailable for a transient
// failure such as a locked or full database, so callers can answer 503 / retry).
//
// Fencing (several replicas on one PostgreSQL store, cluster/lease.h): a
// write made on behalf of a shard may carry a ShardFence, the shard and the
// fencing token of the lease its replica holds. The store checks, in the
// write's own transaction, that the token is still the shard's current one
// and holds the lease row against a takeover until it commits; when it is
// not, the whole call changes nothing and returns kFenced, naming the shard
// and token (cluster/fence_status.h). Writes without a fence are not checked. The
// SQLite store keeps no leases (one process owns it): it refuses every write
// that carries a fence with kInvalidArgument and changes nothing, since a
// fence there means a replica was pointed at a store no other replica sees.
//
// Opened read-only (StoreAccess::kReadOnly, for the tools that only look:
// report, explain, export-events), a store must already exist and carry
// this build's schema; nothing is created or migrated, and every write method
// fails.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/lease.h"
#include "cluster/shard_map.h"
#include "core/status.h"
#include "core/ticket.h"
#include "core/ticket_summary.h"
#include "core/time.h"

namespace tierd {

struct InboxRecord {
  int64_t seq = 0;       // assigned by append_inbox; increases with arrival
  std::string event_id;  // unique key: a redelivery of the same id is a duplicate
  TicketId ticket_id = 0;
  Instant received_at{};
  Instant event_time{};
  std::string type;        // the vendor's event type, for listings
  std::string event_json;  // the normalised TicketEvent (core/ticket_event.h codec)
  std::string raw_body;    // the delivery exactly as received, for export and replay
};

// How a store is opened. kReadWrite creates and migrates as needed (the
// daemon); kReadOnly refuses a store that does not exist or holds no tierd
// schema (kNotFound) or another schema version (kInternal), and never changes
// it.
enum class StoreAccess { kReadWrite, kReadOnly };

enum class AppendOutcome { kAccepted, kDuplicate };

// What prune_inbox() removed.
struct InboxPruned {
  int64_t records = 0;  // processed records deleted
  int64_t bodies = 0;   // raw bodies dropped from processed records that stay
};

enum class OutboxState { kPending, kDone, kDead, kCancelled };
const char* outbox_state_name(OutboxState s);
// The inverse of outbox_state_name(); nullopt for any other text.
std::optional<OutboxState> parse_outbox_state(std::string_view text);

struct OutboxRecord {
  int64_t id = 0;  // assigned by commit(); increases with creation
  TicketId ticket_id = 0;
  std::string kind;             // what the write is for: "escalate", "review", ...
  std::string payload_json;     // the write, in the core's vendor-neutral form
  std::string idempotency_key;  // unique; carried into the vendor write as a marker
  Instant created_at{};
  Instant not_before{};  // earliest time to (re)try
  int attempts = 0;
  bool maybe_sent = false;  // an attempt started whose outcome is unknown
  OutboxState state = OutboxState::kPending;
  std::string last_error;  // human-readable outcome of the last attempt
};

struct AuditRecord {
  int64_t id = 0;  // assigned by the store
  TicketId ticket_id = 0;
  Instant at{};
  std::string kind;         // "event", "decision", "write", "note" ...
  std::string event_id;     // the inbox event it belongs to, if any
  std::string detail_json;  // the structured record (reason, budget, outcome ...)
};

// Which audit records for_each_audit() passes on: those with since <= at <=
// until, of the given kinds. A reader that needs a few kinds names them, so the
// store skips the rest without copying their details out.
struct AuditQuery {
  Instant since{};
  std::optional<Instant> until;    // nullopt: no upper bound
  std::vector<std::string> kinds;  // empty: every kind
};

struct TicketRow {
  TicketId id = 0;
  std::string state_json;
  std::optional<Instant> deadline;
};

// What the engine reloads of a ticket at start: its deadline and the summary
// stored with its state.
struct ClockSummaryRow {
  TicketId id = 0;
  std::optional<Instant> deadline;
  TicketSummary summary;
};

// Everything the engine does for one input, committed atomically: the new
// mirror, the next deadline, the inbox entry it consumed, the writes it asked
// for, the outbox entries a write outcome ended, and the audit trail.
struct EngineCommit {
  TicketId ticket_id = 0;
  std::optional<std::string> state_json;  // nullopt: leave the mirror as it is
  TicketSummary summary;                  // of state_json; stored with it, else unused
  std::optional<Instant> deadline;        // nullopt: no running deadline
  bool set_deadline = true;               // false: leave the stored deadline alone
  std::optional<int64_t> inbox_seq_done;
  std::vector<OutboxRecord> new_outbox;   // ids are assigned by the store
  std::vector<int64_t> outbox_done;       // confirmed by the vendor
  std::vector<int64_t> outbox_cancelled;  // superseded by a re-decision
  std::vector<int64_t> outbox_dead;       // refused for good (dead letters)
  std::string outbox_dead_reason;         // kept with the dead records
  std::vector<AuditRecord> audit;
  std::vector<std::pair<std::string, std::string>> meta;  // key, value to upsert
  // Meta values this commit was decided on: each key's stored value must
  // still be the one given (nullopt: none stored) when the commit applies, in
  // the order of the commits, or the whole commit() fails with kConflict and
  // stores nothing. Replicas thereby never both take the same round-robin
  // position.
  std::vector<std::pair<std::string, std::optional<std::string>>> meta_expected;
  // The lease of the ticket's shard, when replicas share the store (see
  // Fencing above); nullopt: unchecked.
  std::optional<cluster::ShardFence> fence;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- inbox (ingest) ---
  // Appends records in one transaction; returns one outcome per record in
  // order and fills `seq` of the accepted ones. A record whose event_id is
  // already stored (or repeated in the batch) is kDuplicate and changes nothing.
  virtual Result<std::vector<AppendOutcome>> append_inbox(std::vector<InboxRecord>& records) = 0;
  // Unprocessed records with seq > after_seq, in seq order, at most `limit`,
  // of the tickets in `scope` (a replica reads only its own shards).
  // Overriders declare no default of their own.
  virtual Result<std::vector<InboxRecord>> pending_inbox(
      int64_t after_seq, size_t limit,
      const cluster::ShardScope& scope = cluster::ShardScope::all()) = 0;
  // Records received in [from, to), in seq order (processed or not), for export.
  virtual Result<std::vector<InboxRecord>> inbox_range(Instant from, Instant to, size_t limit) = 0;
  virtual Result<int64_t> inbox_depth() = 0;  // unprocessed records
  // Deletes processed records received before `records_before` and empties
  // the raw body of processed records received before `bodies_before`.
  // Unprocessed records are never touched. A redelivery of a deleted
  // record's event id is accepted again, so keep records longer than the
  // helpdesk retries a delivery.
  // Replicas prune under the singletons' lease: `fences` (see Fencing above)
  // must all hold, or nothing is deleted. Overriders declare no default.
  virtual Result<InboxPruned> prune_inbox(Instant records_before, Instant bodies_before,
                                          const std::vector<cluster::ShardFence>& fences = {}) = 0;

  // --- tickets and deadlines (engine) ---
  virtual Result<std::optional<TicketRow>> load_ticket(TicketId id) = 0;
  // Calls `fn` for every ticket with a deadline, in deadline order.
  virtual Status for_each_deadline(const std::function<void(TicketId, Instant)>& fn) = 0;
  // Calls `fn`, in ticket id order, for every ticket in `scope` with a
  // deadline or a summary that is not empty (an open assignee, a running tier
  // or shadow writes): what the engine reloads at start, or when it gains a
  // shard. Reads no state document.
  virtual Status for_each_clock_summary(const cluster::ShardScope& scope,
                                        const std::function<void(const ClockSummaryRow&)>& fn) = 0;
  // How many tickets each agent holds open (the summaries' open_assignee),
  // counted by the store across every shard: what replicas re-read to
  // route by load, without listing the tickets.
  virtual Result<std::map<UserId, int64_t>> open_tickets_per_assignee() = 0;
  // Calls `fn` for every stored ticket (reports, status page).
  virtual Status for_each_ticket(const std::function<void(const TicketRow&)>& fn) = 0;
  // Applies all commits in one transaction. Fills the ids of new outbox records.
  // One commit whose fence no longer holds fails them all (kFenced): nothing
  // of any is stored.
  virtual Status commit(std::vector<EngineCommit>& commits) = 0;

  // --- outbox (api writer) ---
  // Pending records with not_before <= now, in id order, at most `limit`. The
  // writer sends each ticket's records in id order and merges them into one
  // vendor update.
  // Only the records of tickets in `scope`; overriders declare no default.
  virtual Result<std::vector<OutboxRecord>> due_outbox(
      Instant now, size_t limit, const cluster::ShardScope& scope = cluster::ShardScope::all()) = 0;
  virtual Result<std::vector<OutboxRecord>> pending_outbox_for_ticket(TicketId id) = 0;
  // Both take the fences of the shards the records belong to (see Fencing
  // above); every one must hold, or nothing changes. Overriders declare no
  // default of their own.
  //
  // Before sending: marks the records as possibly sent (attempts + 1).
  virtual Status mark_outbox_attempt(const std::vector<int64_t>& ids,
                                     const std::vector<cluster::ShardFence>& fences = {}) = 0;
  // After a failed attempt that certainly did not apply: back to pending,
  // maybe_sent cleared, retried at `not_before`. Ended records stay ended.
  virtual Status reschedule_outbox(const std::vector<int64_t>& ids, Instant not_before,
                                   const std::string& error,
                                   const std::vector<cluster::ShardFence>& fences = {}) = 0;
  virtual Result<int64_t> outbox_depth() = 0;
  virtual Result<std::optional<Instant>> oldest_pending_outbox() = 0;
  // Dead-lettered records, newest first.
  virtual Result<std::vector<OutboxRecord>> dead_outbox(size_t limit) = 0;

  // --- audit ---
  virtual Status append_audit(const std::vector<AuditRecord>& records) = 0;
  virtual Result<std::vector<AuditRecord>> audit_for_ticket(TicketId id) = 0;
  // The records `query` selects, in id order, passed to `fn` (streams; no big vectors).
  virtual Status for_each_audit(const AuditQuery& query,
                                const std::function<void(const AuditRecord&)>& fn) = 0;
  // Returns the rows deleted; `fences` as prune_inbox's.
  virtual Result<int64_t> prune_audit(Instant before,
                                      const std::vector<cluster::ShardFence>& fences = {}) = 0;

  // --- meta ---
  virtual Result<std::optional<std::string>> get_meta(const std::string& key) = 0;
  virtual Status put_meta(const std::string& key, const std::string& value) = 0;
};

}  // namespace tierd
