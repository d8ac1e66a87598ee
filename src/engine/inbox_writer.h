// InboxWriter: group commit into the store's inbox — the one way records get
// there, from webhook deliveries (WebhookHandler) and from the reconciler's
// export pages alike, so both are deduplicated, batched and signalled to the
// engine the same way.
//
// Callers call append() (one record) or append_all() (a page), which block
// until their records are durably committed (or failed). One committer thread
// takes everything queued (up to max_batch records) and calls
// Store::append_inbox once for the lot, then wakes the callers, so N
// deliveries arriving together cost about one fsync instead of N. While a
// commit is in progress, new arrivals queue up for the next one.
//
// Ownership: borrows the Store, which must outlive the writer. The
// on_committed callback runs on the committer thread after every batch that
// accepted at least one record (the engine uses it to wake up); it must be
// quick and must not call append().
//
// Threads: append()/append_all() from any number of threads; start()/stop()
// from the owning thread. The destructor stops the writer. No exception
// escapes the committer thread: a throwing store or callback fails the batch
// / is logged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "core/status.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/store.h"

namespace tierd {

struct InboxWriterOptions {
  size_t max_batch = 512;   // records per Store::append_inbox call
  size_t max_queue = 8192;  // waiting records beyond this are refused at once
};

class InboxWriter {
 public:
  // Receives the number of records the batch accepted (duplicates excluded).
  using CommittedCallback = std::function<void(size_t accepted)>;

  InboxWriter(Store& store, InboxWriterOptions options, CommittedCallback on_committed = {});
  ~InboxWriter();
  InboxWriter(const InboxWriter&) = delete;
  InboxWriter& operator=(const InboxWriter&) = delete;

  // Starts the committer thread. Calling it twice is harmless.
  void start() EXCLUDES(mutex_);
  // Refuses new appends, commits everything already queued, then joins the
  // committer thread. Idempotent.
  void stop() EXCLUDES(mutex_);
  // Whether its loop runs, and how long it has been waiting or working.
  WorkerLiveness liveness() const { return committer_.liveness(); }

  // Returns kAccepted (stored now) or kDuplicate (its event_id was already
  // stored, or repeated in the same batch) once the batch is committed.
  // Returns kUnavailable when the store failed for this batch, when the queue
  // is full, or when the writer is not running; the caller answers 503 so the
  // vendor retries.
  Result<AppendOutcome> append(InboxRecord record) EXCLUDES(mutex_);
  // The same for several records: one outcome per record, in order, once all
  // are committed (they may span batches). Not OK when any of them failed;
  // the ones that were stored stay stored (a retry finds them duplicates).
  Result<std::vector<AppendOutcome>> append_all(std::vector<InboxRecord> records) EXCLUDES(mutex_);

  // Records waiting for a commit (not those in the commit in progress).
  size_t queued() const EXCLUDES(mutex_);
  // True between start() and the beginning of stop(): appends are taken.
  bool accepting() const EXCLUDES(mutex_);

 private:
  // One blocked append_all(); lives on that caller's stack until `left` is
  // 0. The committer takes the records; the rest is under the writer's mutex_.
  struct Request {
    std::vector<InboxRecord> records;
    std::vector<AppendOutcome> outcomes;
    Status status;    // the first failure among its batches
    size_t left = 0;  // records not yet committed or failed
    CondVar done;
  };
  // One queued record: the request and its index there.
  using Entry = std::pair<Request*, size_t>;

  void run();
  // Moves up to max_batch queued entries into `batch`.
  void take_batch(std::vector<Entry>& batch) EXCLUDES(mutex_);
  void commit_batch(const std::vector<Entry>& batch) EXCLUDES(mutex_);

  // Set at construction.
  Store& store_;
  const InboxWriterOptions options_;
  const CommittedCallback on_committed_;

  mutable Mutex mutex_;
  std::deque<Entry> queue_ GUARDED_BY(mutex_);
  bool accepting_ GUARDED_BY(mutex_) = false;

  // Last: the committer uses the members above, so it stops before they go.
  WorkerThread committer_;
};

}  // namespace tierd
