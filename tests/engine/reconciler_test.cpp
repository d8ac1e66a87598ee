// The reconciler against a scripted HelpdeskApi and an in-memory inbox/meta
// store behind a real InboxWriter: where it starts, how the cursor moves, how
// failures are retried, and its pure helpers.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/ticket_event.h"
#include "engine/inbox_record.h"
#include "engine/inbox_writer.h"
#include "engine/reconciler.h"
#include "metrics/metrics.h"
#include "support/inbox_only_store.h"
#include "support/manual_clock.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {

const Instant kNow = from_unix_ms(1'760'000'000'000);

// Inbox and meta in memory; append_inbox can be made to fail.
class FakeStore final : public tierd::testing::InboxOnlyStore {
 public:
  Result<std::vector<AppendOutcome>> append_inbox(std::vector<InboxRecord>& records) override {
    std::lock_guard lock(mutex_);
    if (fail_appends_) return Status::Unavailable("database is locked");
    std::vector<AppendOutcome> out;
    for (auto& r : records) {
      if (ids_.insert(r.event_id).second) {
        r.seq = static_cast<int64_t>(inbox_.size()) + 1;
        inbox_.push_back(r);
        out.push_back(AppendOutcome::kAccepted);
      } else {
        out.push_back(AppendOutcome::kDuplicate);
      }
    }
    return out;
  }
  Result<std::optional<std::string>> get_meta(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = meta_.find(key);
    if (it == meta_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status put_meta(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mutex_);
    meta_[key] = value;
    return Status::Ok();
  }
  // Fenced meta writes (the cursor of a replica holding the singletons'
  // lease): taken while the fence carries the token the "database" holds.
  Status commit(std::vector<EngineCommit>& commits) override {
    std::lock_guard lock(mutex_);
    for (const auto& c : commits) {
      if (c.fence && c.fence->token != lease_token_) {
        return {StatusCode::kFenced, "lease token " + std::to_string(c.fence->token) +
                                         " is no longer the singletons' (now " +
                                         std::to_string(lease_token_) + ")"};
      }
    }
    for (const auto& c : commits) {
      for (const auto& [key, value] : c.meta) meta_[key] = value;
    }
    return Status::Ok();
  }
  void set_lease_token(cluster::LeaseToken token) {
    std::lock_guard lock(mutex_);
    lease_token_ = token;
  }

  void set_fail_appends(bool fail) {
    std::lock_guard lock(mutex_);
    fail_appends_ = fail;
  }
  std::vector<InboxRecord> inbox() {
    std::lock_guard lock(mutex_);
    return inbox_;
  }
  std::optional<std::string> cursor() {
    std::lock_guard lock(mutex_);
    auto it = meta_.find(kReconcileCursorKey);
    return it == meta_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }

 private:
  std::mutex mutex_;
  bool fail_appends_ = false;
  cluster::LeaseToken lease_token_ = 0;
  std::set<std::string> ids_;
  std::vector<InboxRecord> inbox_;
  std::map<std::string, std::string> meta_;
};

struct ExportCall {
  std::string cursor;
  Instant start_time;
};

// Answers export_tickets from a script; any other call is a test failure.
class ScriptedApi final : public HelpdeskApi {
 public:
  void push(Result<ExportPage> answer) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(answer));
  }
  std::vector<ExportCall> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  Result<ExportPage> export_tickets(const std::string& cursor, Instant start_time) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({cursor, start_time});
    if (script_.empty()) return Status::Internal("no scripted answer left");
    Result<ExportPage> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }
  Result<TicketSnapshot> get_ticket(TicketId) override { return unused(); }
  Result<TicketSnapshot> update_ticket(const TicketUpdate&) override { return unused(); }
  Result<std::string> update_many(const std::vector<TicketUpdate>&) override { return unused(); }
  Result<JobStatus> job_status(const std::string&) override { return unused(); }
  Result<bool> has_comment_containing(TicketId, const std::string&) override { return unused(); }
  Result<std::vector<GroupMember>> group_memberships(GroupId) override { return unused(); }
  Result<UserInfo> current_user() override { return unused(); }
  Result<std::vector<UserInfo>> users_by_ids(const std::vector<UserId>&) override {
    return unused();
  }

 private:
  static Status unused() { return Status::Internal("the reconciler only reads the export"); }
  std::mutex mutex_;
  std::deque<Result<ExportPage>> script_;
  std::vector<ExportCall> calls_;
};

TicketSnapshot ticket(TicketId id, Instant updated_at) {
  TicketSnapshot t;
  t.id = id;
  t.status = TicketStatus::kOpen;
  t.group_id = 114001;
  t.updated_at = updated_at;
  return t;
}

ExportPage page(std::vector<TicketSnapshot> tickets, std::string after_cursor, bool end) {
  ExportPage p;
  p.tickets = std::move(tickets);
  p.after_cursor = std::move(after_cursor);
  p.end_of_stream = end;
  return p;
}

Status with_retry_after(Status s, Duration d) {
  s.set_retry_after(std::chrono::duration_cast<std::chrono::milliseconds>(d));
  return s;
}

ReconcilerOptions fast_options() {
  ReconcilerOptions o;
  o.requests_per_minute = 600000;  // one request per 0.1 ms: pacing never waits long
  o.backoff_base = 1ms;
  o.backoff_cap = 5ms;
  o.default_retry_after = 5ms;
  o.max_attempts = 3;
  o.interval = 10ms;
  return o;
}

bool wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

struct Fixture {
  FakeStore store;
  ScriptedApi api;
  tierd::testing::ManualClock clock{kNow};
  Metrics metrics;
  std::atomic<int> notified{0};  // batches the inbox writer committed with new records
  InboxWriter inbox{store, {}, [this](size_t) { ++notified; }};
  Reconciler reconciler;

  explicit Fixture(ReconcilerOptions options = fast_options())
      : reconciler(store, inbox, api, clock, metrics, options) {
    inbox.start();
  }
};

}  // namespace

TEST_CASE("the reconciler's first export starts a look-back before now, at least a minute old",
          "[reconciler]") {
  CHECK(export_start_time(kNow, 1h) == kNow - 1h);
  CHECK(export_start_time(kNow, 0s) == kNow - 1min);
  CHECK(export_start_time(kNow, 30s) == kNow - 1min);
  CHECK(export_start_time(kNow, -5min) == kNow - 1min);
  CHECK(export_start_time(from_unix_ms(10'000), 1h) == from_unix_ms(0));
}

TEST_CASE("an exported ticket becomes a reconcile snapshot keyed by ticket and updated_at",
          "[reconciler]") {
  const Instant updated = from_unix_ms(1'759'999'000'123);
  CHECK(reconcile_event_id(48213, updated) == "reconcile:48213:1759999000123");

  auto snapshot = reconcile_event(ticket(48213, updated));
  REQUIRE(snapshot);
  InboxRecord record = inbox_record(*snapshot, kNow, "");
  CHECK(record.event_id == "reconcile:48213:1759999000123");
  CHECK(record.ticket_id == 48213);
  CHECK(record.received_at == kNow);
  CHECK(record.event_time == updated);
  CHECK(record.type == "incremental_export");
  CHECK(record.raw_body.empty());
  auto event = ticket_event_from_json(nlohmann::json::parse(record.event_json));
  REQUIRE(event.ok());
  CHECK(*event == *snapshot);
  CHECK(event->kind == EventKind::kSnapshot);
  CHECK(event->source == "reconcile");
  CHECK(event->has_snapshot);
  CHECK(event->time == updated);
  CHECK(event->event_id == record.event_id);
  CHECK(event->ticket == ticket(48213, updated));

  TicketSnapshot undated = ticket(48214, updated);
  undated.updated_at.reset();
  CHECK_FALSE(reconcile_event(undated));
}

TEST_CASE("reconcile export failures are retried by kind: Retry-After, back-off, or not at all",
          "[reconciler]") {
  ReconcilerOptions o;
  o.max_attempts = 4;
  o.backoff_base = 2s;
  o.backoff_cap = 1min;
  o.default_retry_after = 1min;

  auto limited = plan_export_retry(
      with_retry_after(Status(StatusCode::kResourceExhausted, "429"), 7s), 1, o, 0.5);
  CHECK(limited.retry);
  CHECK(limited.wait == 7s);
  auto limited_silent = plan_export_retry(Status(StatusCode::kResourceExhausted, "429"), 1, o, 0.5);
  CHECK(limited_silent.retry);
  CHECK(limited_silent.wait == 1min);

  auto server = plan_export_retry(Status::Unavailable("503"), 2, o, 0.0);
  CHECK(server.retry);
  CHECK(server.wait >= 2s);  // 4 s at attempt 2, scaled into [50%, 100%]
  CHECK(server.wait <= 4s);
  auto timeout = plan_export_retry(Status(StatusCode::kDeadlineExceeded, "timeout"), 1, o, 0.99);
  CHECK(timeout.retry);

  CHECK_FALSE(plan_export_retry(Status(StatusCode::kUnauthenticated, "401"), 1, o, 0.5).retry);
  CHECK_FALSE(plan_export_retry(Status::InvalidArgument("422"), 1, o, 0.5).retry);
  CHECK_FALSE(plan_export_retry(Status::Unavailable("503"), 4, o, 0.5).retry);
}

TEST_CASE(
    "the first reconcile run reads from the look-back, pages to the end and stores the last cursor",
    "[reconciler]") {
  Fixture f;
  f.api.push(page({ticket(1, kNow - 30min), ticket(2, kNow - 20min)}, "c1", false));
  f.api.push(page({ticket(3, kNow - 10min)}, "c2", true));

  ReconcileRun run = f.reconciler.run_once();
  REQUIRE(run.status.ok());
  CHECK(run.pages == 2);
  CHECK(run.requests == 2);
  CHECK(run.tickets == 3);
  CHECK(run.new_events == 3);
  CHECK(run.end_of_stream);

  auto calls = f.api.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].cursor.empty());
  CHECK(calls[0].start_time == kNow - 1h);
  CHECK(calls[1].cursor == "c1");
  CHECK(f.store.cursor() == std::optional<std::string>("c2"));
  auto inbox = f.store.inbox();
  REQUIRE(inbox.size() == 3);
  CHECK(inbox[0].event_id == reconcile_event_id(1, kNow - 30min));
  CHECK(inbox[2].event_id == reconcile_event_id(3, kNow - 10min));
  // One commit per page; the writer tells the engine after it answered.
  CHECK(wait_until([&] { return f.notified == 2; }));
  CHECK(f.metrics.reconcile_runs().Value() == 1);
  CHECK(f.metrics.reconcile_tickets().Value() == 3);
}

TEST_CASE(
    "a later reconcile run continues from the stored cursor and a re-read version adds nothing",
    "[reconciler]") {
  Fixture f;
  f.api.push(page({ticket(1, kNow - 30min)}, "c1", true));
  REQUIRE(f.reconciler.run_once().status.ok());
  REQUIRE(wait_until([&] { return f.notified == 1; }));

  // The vendor sends the same version again (a page re-read after a crash).
  f.api.push(page({ticket(1, kNow - 30min)}, "c2", true));
  ReconcileRun again = f.reconciler.run_once();
  REQUIRE(again.status.ok());
  CHECK(again.tickets == 1);
  CHECK(again.new_events == 0);
  CHECK(f.api.calls().back().cursor == "c1");
  CHECK(f.store.cursor() == std::optional<std::string>("c2"));
  CHECK(f.store.inbox().size() == 1);
  CHECK(f.notified == 1);  // the engine is woken only for new records
}

TEST_CASE("the reconcile cursor stays put when the page cannot be committed", "[reconciler]") {
  Fixture f;
  f.api.push(page({ticket(1, kNow - 30min)}, "c1", true));
  REQUIRE(f.reconciler.run_once().status.ok());

  f.store.set_fail_appends(true);
  f.api.push(page({ticket(2, kNow - 5min)}, "c2", true));
  ReconcileRun failed = f.reconciler.run_once();
  CHECK(failed.status.code() == StatusCode::kUnavailable);
  CHECK(failed.pages == 0);
  CHECK(f.store.cursor() == std::optional<std::string>("c1"));
  CHECK(f.metrics.reconcile_errors().Value() == 1);

  // The next run reads the same page again.
  f.store.set_fail_appends(false);
  f.api.push(page({ticket(2, kNow - 5min)}, "c2", true));
  REQUIRE(f.reconciler.run_once().status.ok());
  CHECK(f.api.calls().back().cursor == "c1");
  CHECK(f.store.cursor() == std::optional<std::string>("c2"));
  CHECK(f.store.inbox().size() == 2);
}

TEST_CASE("the reconciler waits out a 429 and sends the same request again", "[reconciler]") {
  Fixture f;
  f.api.push(with_retry_after(Status(StatusCode::kResourceExhausted, "HTTP 429"), 20ms));
  f.api.push(page({ticket(1, kNow - 30min)}, "c1", true));
  ReconcileRun run = f.reconciler.run_once();
  REQUIRE(run.status.ok());
  CHECK(run.requests == 2);
  auto calls = f.api.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].cursor == calls[0].cursor);
  CHECK(calls[1].start_time == calls[0].start_time);
  CHECK(f.store.inbox().size() == 1);
  CHECK(f.metrics.reconcile_errors().Value() == 1);
}

TEST_CASE(
    "the reconciler retries server errors up to max_attempts, then ends the run with the cursor "
    "kept",
    "[reconciler]") {
  Fixture f;
  f.api.push(page({ticket(1, kNow - 30min)}, "c1", false));
  for (int i = 0; i < 3; ++i) f.api.push(Status::Unavailable("HTTP 503"));
  ReconcileRun run = f.reconciler.run_once();
  CHECK(run.status.code() == StatusCode::kUnavailable);
  CHECK(run.pages == 1);
  CHECK(run.requests == 4);
  CHECK(f.store.cursor() == std::optional<std::string>("c1"));
  CHECK(f.metrics.reconcile_errors().Value() == 3);

  f.api.push(Status::Unavailable("HTTP 502"));
  f.api.push(page({ticket(2, kNow - 2min)}, "c2", true));
  ReconcileRun next = f.reconciler.run_once();
  REQUIRE(next.status.ok());
  CHECK(f.api.calls().back().cursor == "c1");
  CHECK(f.store.cursor() == std::optional<std::string>("c2"));
}

TEST_CASE("a 401 ends the reconcile run after one request", "[reconciler]") {
  Fixture f;
  f.api.push(Status(StatusCode::kUnauthenticated, "HTTP 401"));
  ReconcileRun run = f.reconciler.run_once();
  CHECK(run.status.code() == StatusCode::kUnauthenticated);
  CHECK(run.requests == 1);
  CHECK_FALSE(f.store.cursor());
}

TEST_CASE("a reconcile cursor the vendor refuses is dropped so the next run uses the look-back",
          "[reconciler]") {
  Fixture f;
  f.api.push(page({}, "c1", true));
  REQUIRE(f.reconciler.run_once().status.ok());
  f.api.push(Status::InvalidArgument("HTTP 422"));
  CHECK(f.reconciler.run_once().status.code() == StatusCode::kInvalidArgument);
  CHECK(f.store.cursor() == std::optional<std::string>(""));

  f.api.push(page({}, "c9", true));
  REQUIRE(f.reconciler.run_once().status.ok());
  auto calls = f.api.calls();
  CHECK(calls.back().cursor.empty());
  CHECK(calls.back().start_time == kNow - 1h);
}

TEST_CASE("a page that does not move the reconcile cursor ends the run instead of looping",
          "[reconciler]") {
  Fixture f;
  f.api.push(page({ticket(1, kNow - 30min)}, "c1", false));
  f.api.push(page({}, "c1", false));
  ReconcileRun run = f.reconciler.run_once();
  CHECK(run.status.ok());
  CHECK(run.requests == 2);
  CHECK_FALSE(run.end_of_stream);
}

TEST_CASE(
    "the reconcile lag is measured from the newest export or the exclusion window once caught up",
    "[reconciler]") {
  Fixture f;
  f.reconciler.refresh_lag_metric();
  CHECK(f.metrics.reconcile_lag_seconds().Value() == 0);  // nothing known yet

  f.api.push(page({ticket(1, kNow - 5min)}, "c1", false));
  f.api.push(Status(StatusCode::kUnauthenticated, "HTTP 401"));
  (void)f.reconciler.run_once();
  CHECK(f.metrics.reconcile_lag_seconds().Value() == Approx(300));

  f.api.push(page({ticket(2, kNow - 10s)}, "c2", true));
  REQUIRE(f.reconciler.run_once().status.ok());
  CHECK(f.metrics.reconcile_lag_seconds().Value() == Approx(10));

  f.clock.advance(5min);
  f.api.push(page({}, "c2", true));
  REQUIRE(f.reconciler.run_once().status.ok());
  CHECK(f.metrics.reconcile_lag_seconds().Value() == Approx(60));  // the vendor's exclusion window
  f.clock.advance(30s);
  f.reconciler.refresh_lag_metric();
  CHECK(f.metrics.reconcile_lag_seconds().Value() == Approx(90));
}

TEST_CASE("stopping the reconciler interrupts a Retry-After wait", "[reconciler]") {
  Fixture f;
  f.api.push(with_retry_after(Status(StatusCode::kResourceExhausted, "HTTP 429"), 1h));
  auto running = std::async(std::launch::async, [&] { return f.reconciler.run_once(); });
  REQUIRE(wait_until([&] { return f.api.calls().size() == 1; }));
  f.reconciler.stop();
  REQUIRE(running.wait_for(5s) == std::future_status::ready);
  ReconcileRun run = running.get();
  CHECK_FALSE(run.status.ok());
  CHECK(f.api.calls().size() == 1);
  CHECK(f.reconciler.run_once().status.code() == StatusCode::kUnavailable);
}

TEST_CASE("the reconciler thread runs at once and then every interval until stopped",
          "[reconciler]") {
  Fixture f;
  for (int i = 0; i < 3; ++i)
    f.api.push(page({ticket(10 + i, kNow - 1min)}, "c" + std::to_string(i), true));
  f.reconciler.start();
  CHECK(wait_until([&] { return f.store.inbox().size() == 3; }));
  f.reconciler.stop();
  CHECK(f.store.cursor() == std::optional<std::string>("c2"));
  CHECK(wait_until([&] { return f.notified == 3; }));
}

TEST_CASE(
    "a replica that takes over the singletons' lease reconciles at once, not an interval later",
    "[reconciler]") {
  std::atomic<cluster::LeaseToken> held{0};  // 0: another replica holds the lease
  ReconcilerOptions options = fast_options();
  options.interval = 1h;
  options.singleton_fence = [&held]() -> std::optional<cluster::ShardFence> {
    if (held == 0) return std::nullopt;
    return cluster::ShardFence{cluster::kSingletonLease, held};
  };
  Fixture f(options);
  f.api.push(page({ticket(10, kNow - 1min)}, "c0", true));
  f.reconciler.start();
  // Not the holder: the first run is skipped, and the next is an hour away.
  std::this_thread::sleep_for(100ms);
  CHECK(f.api.calls().empty());

  f.store.set_lease_token(7);
  held = 7;
  f.reconciler.run_soon();
  CHECK(wait_until([&] { return f.store.inbox().size() == 1; }));
  CHECK(wait_until([&] { return f.store.cursor() == std::optional<std::string>("c0"); }));
  f.reconciler.stop();
  CHECK(f.api.calls().size() == 1);
  CHECK(f.metrics.fencing_rejections().Value() == 0);
}

TEST_CASE("a cursor the store refuses under a lost singletons' lease counts as a fencing rejection",
          "[reconciler]") {
  ReconcilerOptions options = fast_options();
  options.singleton_fence = [] {
    return std::optional<cluster::ShardFence>(cluster::ShardFence{cluster::kSingletonLease, 3});
  };
  Fixture f(options);
  f.store.set_lease_token(4);  // another replica took the lease over meanwhile
  f.api.push(page({ticket(10, kNow - 1min)}, "c0", true));
  ReconcileRun run = f.reconciler.run_once();
  CHECK(run.status.code() == StatusCode::kFenced);
  CHECK_FALSE(f.store.cursor().has_value());
  CHECK(f.metrics.fencing_rejections().Value() == 1);
}
