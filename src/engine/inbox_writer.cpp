#include "engine/inbox_writer.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace tierd {

InboxWriter::InboxWriter(Store& store, InboxWriterOptions options, CommittedCallback on_committed)
    : store_(store),
      options_(options),
      on_committed_(std::move(on_committed)),
      committer_("inbox") {}

InboxWriter::~InboxWriter() {
  stop();
}

void InboxWriter::start() {
  {
    MutexLock lock(mutex_);
    if (accepting_) return;
    accepting_ = true;
  }
  committer_.start([this] { run(); });
}

void InboxWriter::stop() {
  {
    MutexLock lock(mutex_);
    accepting_ = false;
  }
  committer_.stop();
}

size_t InboxWriter::queued() const {
  MutexLock lock(mutex_);
  return queue_.size();
}

bool InboxWriter::accepting() const {
  MutexLock lock(mutex_);
  return accepting_;
}

Result<AppendOutcome> InboxWriter::append(InboxRecord record) {
  std::vector<InboxRecord> one;
  one.push_back(std::move(record));
  auto outcomes = append_all(std::move(one));
  if (!outcomes.ok()) return outcomes.status();
  return outcomes->front();
}

Result<std::vector<AppendOutcome>> InboxWriter::append_all(std::vector<InboxRecord> records) {
  if (records.empty()) return std::vector<AppendOutcome>{};
  Request request;
  request.records = std::move(records);
  request.outcomes.resize(request.records.size(), AppendOutcome::kDuplicate);
  request.left = request.records.size();
  {
    MutexLock lock(mutex_);
    if (!accepting_) return Status::Unavailable("inbox: writer is not running");
    if (queue_.size() + request.left > options_.max_queue) {
      return Status::Unavailable("inbox: queue is full");
    }
    for (size_t i = 0; i < request.records.size(); ++i) queue_.emplace_back(&request, i);
  }
  committer_.wake();
  MutexLock lock(mutex_);
  while (request.left > 0) request.done.wait(lock);
  if (!request.status.ok()) return request.status;
  return std::move(request.outcomes);
}

void InboxWriter::run() {
  std::vector<Entry> batch;
  batch.reserve(options_.max_batch);
  while (true) {
    take_batch(batch);
    if (!batch.empty()) {
      commit_batch(batch);
      batch.clear();
      continue;
    }
    if (!committer_.wait()) break;
  }
  // Stopping still drains: every queued caller gets a real answer. Nothing
  // new is queued once stop() has begun.
  for (take_batch(batch); !batch.empty(); take_batch(batch)) {
    commit_batch(batch);
    batch.clear();
  }
}

void InboxWriter::take_batch(std::vector<Entry>& batch) {
  MutexLock lock(mutex_);
  while (!queue_.empty() && batch.size() < options_.max_batch) {
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
}

void InboxWriter::commit_batch(const std::vector<Entry>& batch) {
  std::vector<InboxRecord> records;
  records.reserve(batch.size());
  for (const auto& [request, index] : batch) records.push_back(std::move(request->records[index]));

  Status failure;
  std::vector<AppendOutcome> outcomes;
  try {
    auto result = store_.append_inbox(records);
    if (!result.ok()) {
      failure = Status::Unavailable("store: " + result.status().message());
    } else if (result->size() != records.size()) {
      failure =
          Status::Unavailable("store: append_inbox returned " + std::to_string(result->size()) +
                              " outcomes for " + std::to_string(records.size()) + " records");
    } else {
      outcomes = std::move(result).value();
    }
  } catch (const std::exception& e) {
    failure = Status::Unavailable(std::string("store: ") + e.what());
  } catch (...) {
    failure = Status::Unavailable("store: unknown exception");
  }
  if (!failure.ok()) {
    spdlog::error("inbox event=append_failed batch={} error=\"{}\"", batch.size(),
                  failure.message());
  }

  size_t accepted = 0;
  {
    MutexLock lock(mutex_);
    for (size_t i = 0; i < batch.size(); ++i) {
      auto [request, index] = batch[i];
      if (failure.ok()) {
        request->outcomes[index] = outcomes[i];
        if (outcomes[i] == AppendOutcome::kAccepted) ++accepted;
      } else if (request->status.ok()) {
        request->status = failure;
      }
      // Notify under the lock: the caller (and its request) may vanish as
      // soon as it can re-acquire the mutex.
      if (--request->left == 0) request->done.notify_one();
    }
  }

  if (accepted > 0 && on_committed_) {
    try {
      on_committed_(accepted);
    } catch (const std::exception& e) {
      spdlog::error("inbox event=on_committed_failed error=\"{}\"", e.what());
    } catch (...) {
      spdlog::error("inbox event=on_committed_failed error=unknown");
    }
  }
}

}  // namespace tierd
