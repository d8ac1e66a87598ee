// Reconciler: makes tierd converge on the helpdesk's state when webhooks are
// lost (tierd down longer than the vendor retries, a tripped circuit breaker,
// a deploy).
//
// Once at start and then every `interval`, it reads the tickets changed since
// its durable cursor from the vendor's incremental ticket export, one page at
// a time, and appends each ticket to the inbox as a snapshot event (source
// "reconcile", event id "reconcile:<ticket>:<updated_at unix ms>") through
// the InboxWriter, like a webhook delivery: the snapshot is durable,
// deduplicated, batched, signalled to the engine by the writer, processed in
// order by the one engine (which drops snapshots older than its mirror) and
// audited like any webhook. The cursor is stored in the store's meta
// ("reconcile.cursor") only after the page's inbox records are committed, so
// a crash re-reads at most one page.
//
// Requests are paced by a token bucket (the export endpoint allows 10
// requests per minute); a 429 waits for Retry-After, 5xx and timeouts are
// retried with back-off, a 401 ends the run (logged as an error; the next
// interval tries again), and a cursor the vendor refuses is dropped so the
// next run starts over from the look-back window.
//
// Ownership: borrows the Store, the InboxWriter (running while the reconciler
// runs), the HelpdeskApi, the Clock and the Metrics, which must outlive it.
// The HelpdeskApi should be an instance of its own, so a slow export never
// holds up the outbox sender's writes. The Clock gives the export's times;
// pacing, back-off and the interval follow elapsed time (a SteadyClock), so
// a step of the wall clock neither stalls the reconciler nor lets it burst
// past the vendor's limit.
//
// Threads: start()/stop()/set_interval() from the owner; run_once() from any
// thread (runs are serialised; tests call it directly); refresh_lag_metric()
// from any thread (the /metrics handler). The reconciler's own thread catches
// everything; no exception escapes it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "cluster/lease.h"
#include "core/status.h"
#include "core/ticket.h"
#include "core/ticket_event.h"
#include "core/time.h"
#include "engine/inbox_writer.h"
#include "engine/write_pacing.h"
#include "helpdesk/helpdesk_api.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/store.h"

namespace tierd {

// The meta key of the durable export cursor ("" or absent: no cursor).
inline constexpr const char* kReconcileCursorKey = "reconcile.cursor";
// Zendesk wants an export's start_time at least a minute in the past (its
// export leaves out the last minute anyway).
inline constexpr Duration kExportMinStartAge = std::chrono::minutes(1);

struct ReconcilerOptions {
  Duration interval = std::chrono::minutes(5);
  Duration lookback = std::chrono::hours(1);  // how far back the first run (no cursor) reads
  double requests_per_minute = 10;            // the export endpoint's limit
  int max_attempts = 5;                       // per page request, before the run gives up
  Duration backoff_base = std::chrono::seconds(2);
  Duration backoff_cap = std::chrono::minutes(1);
  Duration default_retry_after = std::chrono::minutes(1);  // a 429 without Retry-After
  int max_pages_per_run = 1000;                            // the rest waits for the next run
  // Replicas: the singletons' fence while this replica holds their lease
  // (cli/cluster_membership.h), else nullopt. A run starts only while it
  // gives one, and each cursor write carries the one it gives then, so a
  // replica that lost the lease mid-run has its cursor refused (kFenced) and
  // stops there. Two replicas overlapping for a moment during a hand-over
  // cost requests, not correctness: their records carry the same event ids,
  // stored once. Unset (one process): every run goes ahead, unfenced.
  std::function<std::optional<cluster::ShardFence>()> singleton_fence;
};

// What one run did.
struct ReconcileRun {
  int pages = 0;          // pages read and committed
  int requests = 0;       // export requests sent, failed ones included
  size_t tickets = 0;     // tickets in those pages
  size_t new_events = 0;  // inbox records accepted (not duplicates)
  bool end_of_stream = false;
  Status status;  // OK when the run read what it could without an error
};

// The first export's start_time: `lookback` before now, but at least
// kExportMinStartAge old and not before the Unix epoch.
Instant export_start_time(Instant now, Duration lookback);

// "reconcile:<ticket id>:<updated_at unix ms>": one inbox record per ticket
// version, so re-reading a page adds nothing.
std::string reconcile_event_id(TicketId id, Instant updated_at);

// The snapshot event for one exported ticket; nullopt when the ticket has no
// updated_at (the engine could not order it against what it knows).
std::optional<TicketEvent> reconcile_event(const TicketSnapshot& ticket);

// How to go on after a failed export request: retry after `wait`, or give up
// the run. `attempt` is 1 for the first failure; `jitter` in [0, 1).
struct ExportRetry {
  bool retry = false;
  Duration wait{0};
};
ExportRetry plan_export_retry(const Status& failure, int attempt, const ReconcilerOptions& options,
                              double jitter);

class Reconciler {
 public:
  Reconciler(Store& store, InboxWriter& inbox, HelpdeskApi& api, const Clock& clock,
             Metrics& metrics, const ReconcilerOptions& options);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Starts the thread: one run at once, then one every interval. Calling it
  // twice is harmless.
  void start();
  // Interrupts any wait (pacing, Retry-After, back-off, the interval), lets
  // the request in flight finish and joins. Later run_once() calls return at
  // once. Idempotent.
  void stop();
  // Whether its loop runs, and how long it has been waiting or working.
  WorkerLiveness liveness() const { return worker_.liveness(); }
  // Takes effect for the wait in progress (SIGHUP reload).
  void set_interval(Duration interval) EXCLUDES(mutex_);
  // Ends the wait for the next run: a replica that has just taken over the
  // singletons' lease catches up on lost webhooks now, not an interval later.
  void run_soon();

  // Reads the export from the stored cursor to its end (or to
  // max_pages_per_run). Returns what it did; `status` is not OK when a
  // request failed for good, the store failed, or stop() interrupted it.
  ReconcileRun run_once() EXCLUDES(run_mutex_);

  // Sets tierd_reconcile_lag_seconds from the time the export is known
  // complete up to; leaves it alone before the first successful page.
  void refresh_lag_metric();

 private:
  void run();
  ReconcileRun run_locked() REQUIRES(run_mutex_);
  // One page request with pacing and retries; `run` counts the requests.
  Result<ExportPage> fetch_page(const std::string& cursor, Instant start_time, ReconcileRun& run)
      REQUIRES(run_mutex_);
  // Appends the page to the inbox and then moves the cursor.
  Status commit_page(const ExportPage& page, std::string& cursor, ReconcileRun& run);
  // Stores the cursor under the singletons' fence (see ReconcilerOptions).
  Status put_cursor(const std::string& cursor);
  Duration interval() const EXCLUDES(mutex_);
  void advance_watermark(Instant complete_up_to);

  // Set at construction.
  Store& store_;
  InboxWriter& inbox_;
  HelpdeskApi& api_;
  const Clock& clock_;
  Metrics& metrics_;
  const ReconcilerOptions options_;

  // One run at a time.
  Mutex run_mutex_;
  TokenBucket bucket_ GUARDED_BY(run_mutex_);
  std::mt19937_64 rng_ GUARDED_BY(run_mutex_);

  // Unix ms the export is known complete up to; 0 = not yet.
  std::atomic<int64_t> watermark_ms_{0};
  std::atomic<bool> run_soon_{false};

  mutable Mutex mutex_;
  Duration interval_ GUARDED_BY(mutex_);

  // Last: its thread uses the members above, so it stops before they go.
  // Waits on elapsed time; its stop() also interrupts run_once() elsewhere.
  WorkerThread worker_;
};

}  // namespace tierd
