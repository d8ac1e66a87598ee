// InboxWriter: group commit of webhook deliveries into the store's inbox.
//
// Request threads call append(), which blocks until the record is durably
// committed (or failed). One committer thread takes everything queued (up to
// max_batch records) and calls Store::append_inbox once for the lot, then wakes
// the waiters, so N deliveries arriving together cost about one fsync instead
// of N. While a commit is in progress, new arrivals queue up for the next one.
//
// Ownership: borrows the Store, which must outlive the writer. The
// on_committed callback runs on the committer thread after every batch that
// accepted at least one record (the engine uses it to wake up); it must be
// quick and must not call append().
//
// Threads: append() from any number of threads; start()/stop() from the
// owning thread. The destructor stops the writer. No exception escapes the
// committer thread: a throwing store or callback fails the batch / is logged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
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

  // Returns kAccepted (stored now) or kDuplicate (its event_id was already
  // stored, or repeated in the same batch) once the batch is committed.
  // Returns kUnavailable when the store failed for this batch, when the queue
  // is full, or when the writer is not running; the caller answers 503 so the
  // vendor retries.
  Result<AppendOutcome> append(InboxRecord record) EXCLUDES(mutex_);

  // Records waiting for a commit (not those in the commit in progress).
  size_t queued() const EXCLUDES(mutex_);
  // True between start() and the beginning of stop(): appends are taken.
  bool accepting() const EXCLUDES(mutex_);

 private:
  // One blocked append(); lives on that caller's stack until `done`. The
  // committer takes the record; the rest is under the writer's mutex_.
  struct Waiter {
    InboxRecord record;
    Status status;
    AppendOutcome outcome = AppendOutcome::kDuplicate;
    bool done = false;
    CondVar cv;
  };

  void run();
  // Moves up to max_batch queued waiters into `batch`.
  void take_batch(std::vector<Waiter*>& batch) EXCLUDES(mutex_);
  void commit_batch(std::vector<Waiter*>& batch) EXCLUDES(mutex_);

  // Set at construction.
  Store& store_;
  const InboxWriterOptions options_;
  const CommittedCallback on_committed_;

  mutable Mutex mutex_;
  std::deque<Waiter*> queue_ GUARDED_BY(mutex_);
  bool accepting_ GUARDED_BY(mutex_) = false;

  // Last: the committer uses the members above, so it stops before they go.
  WorkerThread committer_;
};

}  // namespace tierd
