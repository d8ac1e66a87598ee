// Engine: the one thread that owns ticket state.
//
// It takes, in order of arrival, (1) the outcomes of tierd's own writes
// reported by the OutboxSender, (2) inbox events committed by ingest, and
// (3) timer deadlines that have come; for each it loads the ticket's state,
// asks the pure decide() what to do, and commits — in one store transaction
// per batch — the new state, the next deadline, the consumed inbox entry, the
// writes asked for (outbox), and the audit trail. Then it updates the
// in-memory TimerIndex and wakes the sender.
//
// The outbox: the engine creates every record (pending) and ends every
// record (done, cancelled or dead), each in the transaction that commits the
// ticket state and the audit trail explaining it. A reported outcome ends all
// of its records: confirmed -> done; conflict -> cancelled (the ticket is
// decided again on the fresh copy, and what is still due is a new write);
// dead -> dead, with the reason. The ids it ended go to the sender through
// take_settled_outbox(), which frees the records the sender was holding (see
// outbox_sender.h). The sender only records delivery attempts in between.
//
// It also keeps the Roster decide() assigns from: open tickets per agent
// (counted at start from the ticket summaries the store keeps beside each
// state, then kept in step with every decision),
// round-robin cursors (read from the store's meta at start, advanced by
// decisions and stored in the same transaction as the ticket), and group
// membership and away marks (pushed by the AvailabilityRefresher).
//
// Shadow mode is the policy's (Policy::shadow): decide() then writes nothing
// and keeps a backlog per ticket. When a new policy turns it off, the re-plan
// that every policy change runs gives each ticket a Tick, and decide() turns
// the backlog into one write of what is still due; a start in live mode with
// backlogs in the store does the same.
//
// Replicas (EngineOptions::shards set): the engine acts only on the tickets
// of the shards the gate says this replica owns, and every commit carries its
// ticket's shard fence, so a store that has seen the shard change hands
// refuses it (kFenced): the engine then drops that shard until the gate names
// it with a new token. When the owned set changes it reloads the deadlines
// and running clocks of the shards it now owns (overdue ones fire at once,
// in deadline order) and reads their pending inbox from the start, since
// other replicas commit inbox rows in an order the sequence does not show.
// The open-ticket counts that least-open assignment uses are every
// replica's: counted over all shards at each reload and again every
// roster_refresh, and kept in step with this replica's decisions in between.
// Round-robin cursors are re-read before each batch, and stored only if no
// other replica moved them meanwhile (EngineCommit::meta_expected); a batch
// that lost that race is decided again on the fresh cursors.
//
// Threads: start()/stop()/set_policy() from the owner; notify_inbox() from
// ingest threads; post_outcome() and take_settled_outbox() from the sender;
// update_availability() from the availability refresher. Everything else
// runs on the engine thread, which waits for deadlines on the Clock. A store
// failure is logged and retried after a pause; nothing is marked done unless
// its commit succeeded, so a crash at any point replays from the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/shard_gate.h"
#include "core/decide.h"
#include "core/roster.h"
#include "core/ticket_summary.h"
#include "engine/availability.h"
#include "engine/timer_index.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/store.h"

namespace tierd {

// What the sender learned about a group of outbox records of one ticket.
struct WriteOutcome {
  TicketId ticket_id = 0;
  InputKind kind = InputKind::kWriteConfirmed;  // confirmed, conflict or dead
  std::vector<int64_t> outbox_ids;
  std::vector<std::string> keys;
  std::optional<TicketSnapshot> ticket;  // the vendor's ticket after the write, or re-read
  std::string detail;                    // "HTTP 200", "HTTP 409 UpdateConflict", ...
};

struct EngineOptions {
  size_t batch_size = 256;                         // inputs per store transaction
  Duration retry_pause = std::chrono::seconds(1);  // after a store failure
  // Called on the engine thread with each timer's lateness (fired - due);
  // for benchmarks and tests. The metrics histogram gets it regardless.
  std::function<void(Duration)> on_timer_fired;
  // Replicas sharing the store: which shards this one may act on. Null: a
  // single process, which acts on every ticket. Outlives the engine.
  const cluster::ShardGate* shards = nullptr;
  // With shards: how often the open-ticket counts are read again from the
  // store, to see the other replicas' assignments.
  Duration roster_refresh = std::chrono::seconds(10);
};

class Engine {
 public:
  Engine(Store& store, const Clock& clock, Metrics& metrics, std::shared_ptr<const Policy> policy,
         EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads every stored deadline into the timer index, and the open counts and
  // running clocks from the stored ticket summaries, then starts the thread.
  // Returns the store's error if they cannot be read.
  Status start();
  // Finishes the batch in hand, commits the outcomes already reported, then
  // joins. Idempotent.
  void stop();

  void notify_inbox() EXCLUDES(mutex_);
  void post_outcome(WriteOutcome outcome) EXCLUDES(mutex_);
  // Called after each commit that queued writes or ended reported ones (set
  // before start()); the sender's wake().
  void set_outbox_listener(std::function<void()> listener) {
    outbox_listener_ = std::move(listener);
  }
  // The outbox ids of posted outcomes that commits have ended since the last
  // call (done, cancelled or dead), in commit order.
  std::vector<int64_t> take_settled_outbox() EXCLUDES(mutex_);
  // Swaps the policy; every ticket's deadline is re-planned on the engine thread.
  void set_policy(std::shared_ptr<const Policy> policy) EXCLUDES(mutex_);
  // Who is in which group and who is away, as last read from the helpdesk;
  // used from the next batch on.
  void update_availability(AvailabilitySnapshot snapshot) EXCLUDES(mutex_);

  // For tests and the status page: counts as of the last loop iteration.
  size_t running_clocks() const EXCLUDES(mutex_);
  bool idle() const EXCLUDES(mutex_);  // nothing queued, no inbox backlog seen at the last look
  // Whether its loop runs, and how long it has been waiting or working.
  WorkerLiveness liveness() const { return worker_.liveness(); }
  // For tests: see WorkerThread::wait_idle().
  std::optional<uint64_t> wait_idle(std::chrono::milliseconds bound) const {
    return worker_.wait_idle(bound);
  }
  // What the engine counts across all tickets: open tickets per agent (the
  // Roster's) and running handling clocks per tier index.
  struct Tallies {
    std::map<UserId, int64_t> open_tickets;
    std::map<int, int64_t> running_by_tier;
    bool operator==(const Tallies&) const = default;
  };
  // For tests, only while the engine thread does not run (before start() or
  // after stop()).
  Tallies tallies() const;
  // The meta key under which a round-robin pool's cursor is stored.
  static std::string cursor_meta_key(const std::string& pool);

 private:
  struct Batch;
  void run();
  bool step();          // one batch; false when there was nothing to do
  bool guarded_step();  // step(), with anything it throws logged
  void process(Batch& batch, TicketId id, const Input& input, Instant now,
               std::optional<int64_t> inbox_seq, const std::string& event_id,
               const std::vector<int64_t>& outcome_ids);
  Result<TicketState> load_state(Batch& batch, TicketId id);
  bool commit(Batch& batch);
  void publish_running_clocks();
  void replan_all(const std::shared_ptr<const Policy>& old_policy);
  Status load_clocks();  // deadlines, open counts, running clocks and cursors, at start
  // With a gate: follows the owned shards; false when the store could not
  // be read (retried at the next step).
  bool follow_ownership(Instant now);
  // Reloads the timers and running clocks of `owned_`, and every shard's
  // open counts; the deadlines already due in `gained` shards are failovers.
  Status reload_owned(Instant now, const std::set<int>& gained);
  Status refresh_open_counts();
  void reload_cursors();  // with a gate, before each batch
  // The store refused a commit: stop acting on the shard it named.
  void drop_fenced(const Status& refusal);
  bool acts_on(TicketId id) const;
  // Adds `delta` to the tallies a ticket with `summary` counts in.
  void count(const TicketSummary& summary, int64_t delta);
  void load_cursors(const Policy& policy);  // cursors of pools not loaded yet
  void take_availability();                 // applies a pushed snapshot to roster_
  std::shared_ptr<const Policy> policy() const EXCLUDES(mutex_);
  bool has_outcomes() const EXCLUDES(mutex_);

  // Set at construction.
  Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  const EngineOptions options_;
  std::function<void()> outbox_listener_;

  // Engine thread only.
  TimerIndex timers_;
  // Tickets whose handling clock runs, per tier index, for the
  // tierd_running_clocks{tier} gauge (kept in step like the roster's open
  // counts); and the tier names last published.
  std::map<int, int64_t> running_by_tier_;
  std::vector<std::string> published_tiers_;
  int64_t inbox_cursor_ = 0;
  Roster roster_;
  // With a gate: the shards acted on (owned, less the fenced), the tokens
  // the store refused (until the gate names a newer one), the tickets whose
  // deadline was already due when their shard was gained, and when the open
  // counts are read again.
  std::map<int, cluster::LeaseToken> owned_;
  std::map<int, cluster::LeaseToken> fenced_;
  std::unordered_set<TicketId> failover_due_;
  Instant next_roster_refresh_{};

  mutable Mutex mutex_;
  std::deque<WriteOutcome> outcomes_ GUARDED_BY(mutex_);
  std::vector<int64_t> settled_outbox_ GUARDED_BY(mutex_);  // not yet taken by the sender
  std::shared_ptr<const Policy> policy_ GUARDED_BY(mutex_);
  // The one before set_policy(), until re-planned.
  std::shared_ptr<const Policy> replaced_policy_ GUARDED_BY(mutex_);
  // Pushed, not yet taken by the engine thread.
  std::optional<AvailabilitySnapshot> availability_ GUARDED_BY(mutex_);
  bool inbox_signal_ GUARDED_BY(mutex_) = true;
  bool replan_ GUARDED_BY(mutex_) = false;
  bool idle_ GUARDED_BY(mutex_) = false;
  size_t running_clocks_ GUARDED_BY(mutex_) = 0;

  // Last: its thread runs the members above, so it stops before they go.
  WorkerThread worker_;
};

}  // namespace tierd
