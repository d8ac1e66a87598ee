#include "runtime/worker_thread.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace tierd {
namespace {

// A real-time wait is cut into pieces no longer than this, so that a far
// deadline (or a clock that jumps without telling) is looked at again.
constexpr Duration kLongestBlock = std::chrono::hours(1);

const Clock& elapsed_time() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace

WorkerThread::WorkerThread(std::string name) : WorkerThread(std::move(name), elapsed_time()) {}

WorkerThread::WorkerThread(std::string name, const Clock& clock)
    : name_(std::move(name)), clock_(clock) {
  clock_.add_waiter(*this);
}

WorkerThread::~WorkerThread() {
  stop();
  clock_.remove_waiter(*this);
}

void WorkerThread::start(std::function<void()> loop) {
  if (thread_.joinable()) return;
  {
    MutexLock lock(mutex_);
    stopping_ = false;
    running_ = true;
    waiting_ = false;
    state_since_ = std::chrono::steady_clock::now();
  }
  thread_ = std::thread([this, loop = std::move(loop)] {
    try {
      loop();
    } catch (const std::exception& e) {
      spdlog::critical("{}: thread ended by an unexpected error: {}", name_, e.what());
    } catch (...) {
      spdlog::critical("{}: thread ended by an unknown exception", name_);
    }
    MutexLock lock(mutex_);
    running_ = false;
  });
}

void WorkerThread::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void WorkerThread::wake() {
  MutexLock lock(mutex_);
  woken_ = true;
  changed_.notify_all();
}

bool WorkerThread::stopping() const {
  MutexLock lock(mutex_);
  return stopping_;
}

WorkerLiveness WorkerThread::liveness() const {
  MutexLock lock(mutex_);
  return {running_, waiting_, std::chrono::steady_clock::now() - state_since_};
}

bool WorkerThread::wait() {
  return block(std::nullopt, true);
}

bool WorkerThread::wait_until(Instant deadline) {
  return block(deadline, true);
}

bool WorkerThread::wait_for(Duration d) {
  return block(clock_.now() + d, true);
}

bool WorkerThread::sleep_until(Instant deadline) {
  return block(deadline, false);
}

bool WorkerThread::sleep_for(Duration d) {
  return block(clock_.now() + d, false);
}

bool WorkerThread::block(std::optional<Instant> deadline, bool wakeable) {
  MutexLock lock(mutex_);
  waiting_ = true;
  state_since_ = std::chrono::steady_clock::now();
  const bool go_on = block_locked(lock, deadline, wakeable);
  waiting_ = false;
  state_since_ = std::chrono::steady_clock::now();
  return go_on;
}

bool WorkerThread::block_locked(MutexLock& lock, std::optional<Instant> deadline, bool wakeable) {
  while (true) {
    if (stopping_) return false;
    if (wakeable && woken_) {
      woken_ = false;
      return true;
    }
    Duration left = kLongestBlock;
    if (deadline) {
      // Read under the lock: a ManualClock's jump takes the lock before it
      // wakes us, so it cannot slip in between this read and the wait.
      const Instant now = clock_.now();
      if (now >= *deadline) return true;
      left = std::min(left, *deadline - now);
    }
    ++blocked_;
    ++blocks_;
    blocked_wakeable_ = wakeable;
    blocked_at_move_ = clock_moves_;
    blocked_cv_.notify_all();
    if (deadline) {
      changed_.wait_for(lock, left);
    } else {
      changed_.wait(lock);
    }
    --blocked_;
  }
}

void WorkerThread::clock_moved() {
  MutexLock lock(mutex_);
  ++clock_moves_;
  woken_ = true;
  changed_.notify_all();
}

bool WorkerThread::idle() const {
  return blocked_ > 0 && !stopping_ && blocked_at_move_ == clock_moves_ &&
         !(blocked_wakeable_ && woken_);
}

std::optional<uint64_t> WorkerThread::wait_idle(std::chrono::milliseconds bound) const {
  const auto until = std::chrono::steady_clock::now() + bound;
  MutexLock lock(mutex_);
  while (!idle()) {
    if (blocked_cv_.wait_until(lock, until) == std::cv_status::timeout && !idle()) {
      return std::nullopt;
    }
  }
  return blocks_;
}

}  // namespace tierd
