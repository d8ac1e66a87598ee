#include <catch2/catch.hpp>

#include "support/inbox_only_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/inbox_writer.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {

// A Store whose inbox lives in memory; every other method is unused here.
// append_inbox can be held at a gate (to let a backlog build up), made to
// fail, or made to throw.
class FakeInboxStore final : public tierd::testing::InboxOnlyStore {
 public:
  Result<std::vector<AppendOutcome>> append_inbox(std::vector<InboxRecord>& records) override {
    std::unique_lock lock(mutex_);
    ++calls_;
    batch_sizes_.push_back(records.size());
    entered_cv_.notify_all();
    gate_cv_.wait(lock, [&] { return gate_open_; });
    if (throw_) throw std::runtime_error("boom");
    if (fail_) return Status::Unavailable("database is locked");
    std::vector<AppendOutcome> out;
    for (auto& r : records) {
      if (ids_.insert(r.event_id).second) {
        r.seq = ++seq_;
        out.push_back(AppendOutcome::kAccepted);
      } else {
        out.push_back(AppendOutcome::kDuplicate);
      }
    }
    return out;
  }

  void close_gate() {
    std::lock_guard lock(mutex_);
    gate_open_ = false;
  }
  void open_gate() {
    std::lock_guard lock(mutex_);
    gate_open_ = true;
    gate_cv_.notify_all();
  }
  // Waits until append_inbox has been entered `n` times in total.
  bool wait_for_calls(int n) {
    std::unique_lock lock(mutex_);
    return entered_cv_.wait_for(lock, 5s, [&] { return calls_ >= n; });
  }
  void set_fail(bool f) {
    std::lock_guard lock(mutex_);
    fail_ = f;
  }
  void set_throw(bool t) {
    std::lock_guard lock(mutex_);
    throw_ = t;
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<size_t> batch_sizes() {
    std::lock_guard lock(mutex_);
    return batch_sizes_;
  }
  size_t stored() {
    std::lock_guard lock(mutex_);
    return ids_.size();
  }


 private:
  std::mutex mutex_;
  std::condition_variable gate_cv_;
  std::condition_variable entered_cv_;
  bool gate_open_ = true;
  bool fail_ = false;
  bool throw_ = false;
  int calls_ = 0;
  int64_t seq_ = 0;
  std::vector<size_t> batch_sizes_;
  std::set<std::string> ids_;
};

InboxRecord record(const std::string& id) {
  InboxRecord r;
  r.event_id = id;
  r.ticket_id = 48213;
  r.type = "zen:event-type:ticket.created";
  r.event_json = "{}";
  r.raw_body = "{}";
  return r;
}

bool wait_until(const std::function<bool()>& pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// Runs `n` appends on their own threads and collects their results.
struct ConcurrentAppends {
  std::vector<std::thread> threads;
  std::vector<std::optional<Result<AppendOutcome>>> results;
  std::mutex mutex;

  ConcurrentAppends(InboxWriter& writer, int n, const std::string& prefix) : results(n) {
    for (int i = 0; i < n; ++i) {
      // Capture the id by value: the threads outlive this constructor's arguments.
      threads.emplace_back([this, &writer, i, id = prefix + std::to_string(i)] {
        auto r = writer.append(record(id));
        std::lock_guard lock(mutex);
        results[i].emplace(std::move(r));
      });
    }
  }
  void join() {
    for (auto& t : threads) t.join();
  }
};

}  // namespace

TEST_CASE("concurrent appends share one store call per batch", "[inbox_writer]") {
  FakeInboxStore store;
  std::atomic<size_t> committed{0};
  InboxWriter writer(store, {}, [&](size_t n) { committed += n; });
  writer.start();

  // Hold the first commit so that the other 63 deliveries queue behind it.
  store.close_gate();
  std::thread first([&] { CHECK(*writer.append(record("first")) == AppendOutcome::kAccepted); });
  REQUIRE(store.wait_for_calls(1));
  ConcurrentAppends rest(writer, 63, "evt-");
  REQUIRE(wait_until([&] { return writer.queued() == 63; }));
  store.open_gate();
  first.join();
  rest.join();

  for (const auto& r : rest.results) {
    REQUIRE(r.has_value());
    REQUIRE(r->ok());
    CHECK(**r == AppendOutcome::kAccepted);
  }
  CHECK(store.calls() == 2);
  CHECK(store.batch_sizes() == std::vector<size_t>{1, 63});
  CHECK(store.stored() == 64);
  // The callback runs after the waiters are woken, so it may trail them.
  CHECK(wait_until([&] { return committed == 64; }));
}

TEST_CASE("a batch never exceeds the configured maximum", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {.max_batch = 10, .max_queue = 1000});
  writer.start();
  store.close_gate();
  std::thread first([&] { (void)writer.append(record("first")); });
  REQUIRE(store.wait_for_calls(1));
  ConcurrentAppends rest(writer, 25, "evt-");
  REQUIRE(wait_until([&] { return writer.queued() == 25; }));
  store.open_gate();
  first.join();
  rest.join();
  CHECK(store.batch_sizes() == std::vector<size_t>{1, 10, 10, 5});
  CHECK(store.stored() == 26);
}

TEST_CASE("a redelivered event id is reported as a duplicate", "[inbox_writer]") {
  FakeInboxStore store;
  std::atomic<size_t> committed{0};
  InboxWriter writer(store, {}, [&](size_t n) { committed += n; });
  writer.start();
  CHECK(*writer.append(record("a")) == AppendOutcome::kAccepted);
  CHECK(*writer.append(record("a")) == AppendOutcome::kDuplicate);
  CHECK(*writer.append(record("b")) == AppendOutcome::kAccepted);
  CHECK(store.stored() == 2);
  // The callback fires only for batches that stored something.
  CHECK(wait_until([&] { return committed == 2; }));
  CHECK(store.calls() == 3);
}

TEST_CASE("the same id twice in one batch is accepted once", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {});
  writer.start();
  store.close_gate();
  std::thread first([&] { (void)writer.append(record("first")); });
  REQUIRE(store.wait_for_calls(1));
  ConcurrentAppends same(writer, 2, "same");  // "same0", "same1"
  ConcurrentAppends again(writer, 2, "same");
  REQUIRE(wait_until([&] { return writer.queued() == 4; }));
  store.open_gate();
  first.join();
  same.join();
  again.join();
  int accepted = 0;
  int duplicate = 0;
  for (auto* group : {&same, &again}) {
    for (const auto& r : group->results) {
      REQUIRE(r->ok());
      (**r == AppendOutcome::kAccepted ? accepted : duplicate)++;
    }
  }
  CHECK(accepted == 2);
  CHECK(duplicate == 2);
  CHECK(store.calls() == 2);
}

TEST_CASE("a store failure fails every waiter of the batch with unavailable", "[inbox_writer]") {
  FakeInboxStore store;
  std::atomic<size_t> committed{0};
  InboxWriter writer(store, {}, [&](size_t n) { committed += n; });
  writer.start();
  store.close_gate();
  std::thread first([&] {
    auto r = writer.append(record("first"));
    CHECK(r.status().code() == StatusCode::kUnavailable);
  });
  REQUIRE(store.wait_for_calls(1));
  ConcurrentAppends rest(writer, 20, "evt-");
  REQUIRE(wait_until([&] { return writer.queued() == 20; }));
  store.set_fail(true);
  store.open_gate();
  first.join();
  rest.join();
  for (const auto& r : rest.results) {
    REQUIRE(r.has_value());
    CHECK(r->status().code() == StatusCode::kUnavailable);
  }
  CHECK(committed == 0);

  // The writer keeps going once the store recovers.
  store.set_fail(false);
  CHECK(*writer.append(record("later")) == AppendOutcome::kAccepted);
}

TEST_CASE("a throwing store fails the batch instead of killing the committer", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {});
  writer.start();
  store.set_throw(true);
  auto r = writer.append(record("a"));
  CHECK(r.status().code() == StatusCode::kUnavailable);
  store.set_throw(false);
  CHECK(*writer.append(record("a")) == AppendOutcome::kAccepted);
}

TEST_CASE("a throwing on_committed callback does not lose the commit", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {}, [](size_t) { throw std::runtime_error("callback failed"); });
  writer.start();
  CHECK(*writer.append(record("a")) == AppendOutcome::kAccepted);
  CHECK(*writer.append(record("b")) == AppendOutcome::kAccepted);
  CHECK(store.stored() == 2);
}

TEST_CASE("a full queue refuses at once with unavailable", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {.max_batch = 512, .max_queue = 3});
  writer.start();
  store.close_gate();
  std::thread first([&] { (void)writer.append(record("first")); });
  REQUIRE(store.wait_for_calls(1));
  ConcurrentAppends queued(writer, 3, "q");
  REQUIRE(wait_until([&] { return writer.queued() == 3; }));
  auto refused = writer.append(record("overflow"));
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  store.open_gate();
  first.join();
  queued.join();
  for (const auto& r : queued.results) CHECK(**r == AppendOutcome::kAccepted);
  CHECK(store.stored() == 4);
}

TEST_CASE("stop drains what is queued, then refuses", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {});
  writer.start();
  store.close_gate();
  std::thread first([&] { (void)writer.append(record("first")); });
  REQUIRE(store.wait_for_calls(1));
  ConcurrentAppends queued(writer, 10, "q");
  REQUIRE(wait_until([&] { return writer.queued() == 10; }));
  std::thread stopper([&] { writer.stop(); });
  // New deliveries are refused as soon as stop() began, while the backlog
  // is still held at the gate.
  REQUIRE(wait_until([&] { return !writer.accepting(); }));
  CHECK(writer.append(record("late")).status().code() == StatusCode::kUnavailable);
  CHECK(writer.queued() == 10);
  store.open_gate();
  stopper.join();
  first.join();
  queued.join();
  for (const auto& r : queued.results) {
    REQUIRE(r->ok());
    CHECK(**r == AppendOutcome::kAccepted);
  }
  CHECK(store.stored() == 11);
  CHECK(writer.append(record("after")).status().code() == StatusCode::kUnavailable);
}

TEST_CASE("append before start is refused", "[inbox_writer]") {
  FakeInboxStore store;
  InboxWriter writer(store, {});
  CHECK(writer.append(record("a")).status().code() == StatusCode::kUnavailable);
  CHECK(store.calls() == 0);
  CHECK_FALSE(writer.accepting());
}
