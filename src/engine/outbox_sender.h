// OutboxSender: the thread that carries the outbox to the helpdesk API.
//
// Each loop it reads the due outbox records, groups them by ticket (keeping
// their order), merges each ticket's records into one update
// (update_merge.h) and sends it within the rate limits (write_pacing.h) —
// one PUT per ticket, or bulk update_many jobs of up to 100 tickets when many
// tickets are due at once. Every request waits for the account's budget
// (HelpdeskApi::pacing_wait()) before its records are marked as attempted.
// Several bulk jobs stay in flight at once (Zendesk queues up to 30 per
// account; options.max_jobs_in_flight of them are tierd's), and their
// statuses are asked for together, on a back-off schedule (JobPollSchedule),
// so that the drain is bound by the account's budget rather than by waiting
// for one job at a time. A single write waiting for the Update Ticket budget
// still polls the jobs when their poll is due, so a round of paced single
// writes does not hold back the confirmations of the jobs before it. What
// the vendor answered goes to the Engine, which commits the outcome with the
// ticket's state and ends the records:
//   200          -> confirmed (the mirror follows the vendor's answer)
//   409          -> the ticket is re-read and the engine decides again
//   a failed bulk item -> the same: what Zendesk reports for an item that
//                   lost to a concurrent change is not documented, so no
//                   failure is taken as final there; the ticket's next write
//                   goes alone, as a PUT whose answer says what happened
//   429          -> every write waits for Retry-After
//   5xx, timeout -> retried with exponential back-off and jitter; before a
//                   retry of a write whose outcome is unknown, the ticket's
//                   comments are searched for the write's marker so that a
//                   write that did apply is confirmed, not sent twice. The
//                   helpdesk may still be working on a request tierd gave up
//                   on, and its updated_stamp check has whole-second
//                   resolution, so the marker is looked for only after the
//                   request could have landed: no sooner than twice as long
//                   as it was outstanding, and, for writes a previous process
//                   left in flight (a crash), not before unknown_outcome_settle
//                   has passed since this process started. When many are
//                   due at once, tickets unchanged since before their writes
//                   existed (read a hundred to a request on Zendesk) skip
//                   the check: the write cannot have landed
//   401          -> writing stops (an alert in the log and metrics) and resumes
//                   once the credentials work again; nothing is dropped. The
//                   credentials are probed after 1 s, then at doubling
//                   intervals up to auth_probe_interval, so a quickly fixed
//                   token resumes writing within seconds
//   other 4xx    -> dead-lettered (reported to the engine as dead, logged)
//
// Who changes an outbox record: the engine creates it and ends it (done,
// cancelled, dead; see engine.h). The sender only records its delivery
// attempts: mark_outbox_attempt() before a request (maybe_sent, so a crash
// leaves the marker check for the next start) and reschedule_outbox() after
// one that certainly did not apply. A record whose outcome it reported stays
// pending in the store until the engine's commit ends it; the sender holds
// it, and the later records of its ticket, from the report until the engine
// hands the id back through Engine::take_settled_outbox(), which it reads
// before every read of the outbox. A crash loses only this memory: the
// records are read again as pending, and one that may have been sent is
// looked for by its marker before it is sent again.
//
// Replicas (OutboxSenderOptions::shards set): each round reads the due
// records of the shards the gate says this replica owns, and records its
// attempts with those shards' fences, so once another replica took a shard
// over the store refuses them and nothing is sent. Right before a request
// leaves, the gate is asked again (may_act, by this process's own clock), so
// a process paused after its read does not send on a shard it lost meanwhile;
// what stays is the moment between that check and the request itself, which
// the helpdesk's own conflict check (Zendesk's safe update, the updated_at
// comparison for Freshdesk) and the new owner's wait before a marker check
// (below) cover. A gained shard's records that its old owner may have sent
// are held for unknown_outcome_settle from the gain, as at start.
//
// Threads: start()/stop()/wake() from the owner and the engine; the rest runs
// on the sender thread, which waits (back-off, Retry-After, pacing) on the
// Clock. The HelpdeskApi must be safe to call from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "cluster/shard_gate.h"
#include "engine/engine.h"
#include "engine/helpdesk_answer.h"
#include "engine/write_pacing.h"
#include "helpdesk/helpdesk_api.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/store.h"

namespace tierd {

struct OutboxSenderOptions {
  double updates_per_minute = 80;  // Update Ticket endpoint budget (limit x share)
  // When set, the Update Ticket budget now (limit x share), asked once a
  // round: a helpdesk that reveals its plan only in its answers moves it.
  std::function<double()> updates_budget;
  int per_ticket_limit = 30;       // per ticket per 10 minutes
  size_t bulk_threshold = 8;       // tickets due at once before bulk jobs are used
  size_t max_jobs_in_flight = 10;  // of the 30 queued jobs Zendesk allows an account
  Duration backoff_base = std::chrono::seconds(1);
  Duration backoff_cap = std::chrono::minutes(5);
  Duration auth_probe_first = std::chrono::seconds(1);       // first probe after a 401
  Duration auth_probe_interval = std::chrono::seconds(30);   // the longest gap between probes
  Duration job_poll_first = std::chrono::milliseconds(250);  // see JobPollSchedule
  Duration job_poll_cap = std::chrono::seconds(4);
  Duration job_timeout = std::chrono::minutes(2);
  // How long a write left in flight by a previous process may still land;
  // the helpdesk client's timeout is the natural value.
  Duration unknown_outcome_settle = std::chrono::seconds(10);
  // How far this host's clock and the helpdesk's may differ. A ticket whose
  // updated_at is older by more than this than the write of unknown outcome
  // has not received it: the write goes again without a marker check.
  Duration clock_skew_allowance = std::chrono::seconds(60);
  // Replicas sharing the store: which shards this one may act on. Null: a
  // single process, which sends every ticket's writes. Outlives the sender.
  const cluster::ShardGate* shards = nullptr;
};

class OutboxSender {
 public:
  OutboxSender(Store& store, HelpdeskApi& api, Engine& engine, const Clock& clock, Metrics& metrics,
               OutboxSenderOptions options);
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  void start();
  void stop();  // finishes the update in flight, then joins
  void wake();  // new records were queued, or reported ones ended
  // Replicas: this one's part (0..1] of updates_per_minute, from the next round on.
  void set_rate_fraction(double fraction) EXCLUDES(mutex_);

  bool auth_failed() const EXCLUDES(mutex_);
  // The helpdesk's answer to the sender's latest request; nullopt before the first.
  std::optional<HelpdeskAnswer> last_answer() const EXCLUDES(mutex_);
  // Whether its loop runs, and how long it has been waiting or working.
  WorkerLiveness liveness() const { return worker_.liveness(); }
  // For tests: see WorkerThread::wait_idle().
  std::optional<uint64_t> wait_idle(std::chrono::milliseconds bound) const {
    return worker_.wait_idle(bound);
  }

 private:
  struct TicketBatch {
    TicketId ticket_id = 0;
    std::vector<OutboxRecord> records;
    std::vector<TicketWrite> writes;
  };
  // An update_many job submitted and not yet seen finished.
  struct JobInFlight {
    std::string id;
    std::vector<TicketBatch> batches;  // in the order submitted
    Instant give_up_at{};
  };
  void run();
  bool probe_credentials();  // false when stopping
  void publish_depth();
  bool send_due();  // false when nothing was due
  void send_one(TicketBatch& batch);
  void submit_bulk(std::vector<TicketBatch>& batches);
  bool poll_jobs();  // false when no poll was due
  void finish_job(JobInFlight& job, const JobStatus& status);
  void forget_job(const JobInFlight& job);
  // Whether a write of the batch that may have applied did (its marker is
  // on the ticket); the failed request's Status when that could not be told.
  Result<bool> already_applied(const TicketBatch& batch);
  // Several tickets' writes of unknown outcome at once (after a crash, or a
  // shard taken over from a replica that died with bulk jobs in flight):
  // reads the tickets a hundred to a request, where the helpdesk can, and
  // makes the writes of those unchanged since before the writes existed
  // pending again (not maybe-sent), so they need no marker check each and
  // may go in bulk jobs. The others keep their marker check and go alone.
  void clear_writes_that_cannot_have_landed(std::vector<TicketBatch>& batches);
  void check_again_later(const TicketBatch& batch, const Status& status);
  void report(const TicketBatch& batch, InputKind kind, std::optional<TicketSnapshot> ticket,
              const std::string& detail);
  // `outstanding`: how long the failed request was waiting for its answer.
  void handle_failure(const TicketBatch& batch, const Status& status,
                      Duration outstanding = Duration(0));
  // True while `r` is a write a previous process may have left in flight.
  bool inherited_in_flight(const OutboxRecord& r, Instant now);
  void dead_letter(const TicketBatch& batch, const std::string& why);
  bool wait_for_tokens(TicketId ticket, bool update_endpoint);
  void count_answer(const Status& s) EXCLUDES(mutex_);
  // With a gate: follows the owned shards at the start of a round.
  void follow_ownership(Instant now);
  // The fences of the batches' tickets (empty without a gate).
  std::vector<cluster::ShardFence> fences_of(const std::vector<const TicketBatch*>& batches) const;
  // Whether the gate still lets this replica act on every batch's ticket,
  // asked right before a request; logs the first it does not.
  bool still_ours(const std::vector<const TicketBatch*>& batches) const;
  // After the store refused an attempt's fence: the shard is left alone.
  void fenced(const Status& refusal);

  // Set at construction.
  Store& store_;
  HelpdeskApi& api_;
  Engine& engine_;
  const Clock& clock_;
  Metrics& metrics_;
  const OutboxSenderOptions options_;

  // Sender thread only (and start() before it runs).
  TokenBucket updates_;
  TicketWindow per_ticket_;
  std::mt19937_64 rng_{std::random_device{}()};
  // Outbox ids reported to the engine and not yet ended by its commit, with
  // their tickets (so a lost shard's can be let go of).
  std::unordered_map<int64_t, TicketId> handed_over_;
  // With a gate: the shards acted on this round, and the tokens the store
  // refused (left out until the gate names a newer one).
  std::map<int, cluster::LeaseToken> owned_;
  std::map<int, cluster::LeaseToken> fenced_;
  // Back-off for records whose last attempt had an unknown outcome (they stay
  // pending with maybe_sent set in the store).
  std::unordered_map<int64_t, Instant> retry_at_;
  std::vector<JobInFlight> jobs_;
  std::unordered_set<int64_t> in_jobs_;  // outbox ids of the records in jobs_
  JobPollSchedule polls_;
  // Tickets a bulk item of which failed: their next write goes alone.
  std::unordered_set<TicketId> send_alone_;
  Instant paused_until_{};
  Duration auth_probe_wait_{};  // the gap before the next credentials probe
  // Until then, maybe-sent records this process has not attempted itself are
  // held (see unknown_outcome_settle); attempted_here_ is emptied after it.
  Instant inherited_hold_until_{};
  std::unordered_set<int64_t> attempted_here_;
  bool inherited_hold_logged_ = false;

  mutable Mutex mutex_;
  bool auth_failed_ GUARDED_BY(mutex_) = false;
  double rate_fraction_ GUARDED_BY(mutex_) = 1.0;
  double rate_fraction_applied_ = 1.0;  // sender thread only
  double updates_budget_applied_ = 0;   // sender thread only
  std::optional<HelpdeskAnswer> last_answer_ GUARDED_BY(mutex_);

  // Last: its thread uses the members above, so it stops before they go.
  WorkerThread worker_;
};

}  // namespace tierd
