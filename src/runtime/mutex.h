// Mutex, MutexLock, CondVar: std::mutex, a scoped lock and
// std::condition_variable with Clang's thread-safety annotations
// (runtime/thread_annotations.h), so that state declared GUARDED_BY a Mutex
// is checked at compile time. Use them for every mutex that guards state.
//
// A condition wait takes the MutexLock that holds the mutex; write the
// condition as a loop around wait() rather than a predicate lambda, which
// the analysis would check as a function of its own, without the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "runtime/thread_annotations.h"

namespace tierd {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex mutex_;
};

// Holds a Mutex from construction to destruction (or unlock()).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : lock_(mutex.mutex_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // For work that must not hold the mutex in the middle of a locked section.
  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> lock_;
};

class CondVar {
 public:
  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

  // Each returns with the lock held again; wake-ups may be spurious.
  void wait(MutexLock& lock) { cv_.wait(lock.lock_); }
  template <typename Rep, typename Period>
  std::cv_status wait_for(MutexLock& lock, std::chrono::duration<Rep, Period> d) {
    return cv_.wait_for(lock.lock_, d);
  }
  template <typename Clock, typename Dur>
  std::cv_status wait_until(MutexLock& lock, std::chrono::time_point<Clock, Dur> t) {
    return cv_.wait_until(lock.lock_, t);
  }

 private:
  std::condition_variable cv_;
};

}  // namespace tierd
