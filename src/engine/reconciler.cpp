#include "engine/reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "engine/inbox_record.h"
#include "store/fenced_meta.h"

namespace tierd {
namespace {

constexpr const char* kEventSource = "reconcile";
constexpr const char* kEventType = "incremental_export";

Status stopped_status() {
  return Status::Unavailable("reconcile: stopped");
}

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

Instant export_start_time(Instant now, Duration lookback) {
  const Instant latest = now - kExportMinStartAge;
  const Instant wanted = now - std::max(lookback, Duration(0));
  return std::max(std::min(wanted, latest), Instant{});
}

std::string reconcile_event_id(TicketId id, Instant updated_at) {
  return std::string(kEventSource) + ":" + std::to_string(id) + ":" +
         std::to_string(to_unix_ms(updated_at));
}

std::optional<TicketEvent> reconcile_event(const TicketSnapshot& ticket) {
  if (!ticket.updated_at || ticket.id <= 0) return std::nullopt;
  TicketEvent event;
  event.event_id = reconcile_event_id(ticket.id, *ticket.updated_at);
  event.source = kEventSource;
  event.type = kEventType;
  event.kind = EventKind::kSnapshot;
  event.ticket_id = ticket.id;
  event.time = *ticket.updated_at;
  event.has_snapshot = true;
  event.ticket = ticket;
  return event;
}

ExportRetry plan_export_retry(const Status& failure, int attempt, const ReconcilerOptions& options,
                              double jitter) {
  ExportRetry plan;
  if (attempt >= options.max_attempts) return plan;
  switch (failure.code()) {
    case StatusCode::kResourceExhausted:
      plan.retry = true;
      plan.wait =
          failure.retry_after() ? Duration(*failure.retry_after()) : options.default_retry_after;
      break;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      plan.retry = true;
      plan.wait = failure.retry_after()
                      ? Duration(*failure.retry_after())
                      : backoff_delay(attempt, options.backoff_base, options.backoff_cap, jitter);
      break;
    default:
      break;  // 401, 403, 404, other 4xx: the same request fails again
  }
  return plan;
}

Reconciler::Reconciler(Store& store, InboxWriter& inbox, HelpdeskApi& api, const Clock& clock,
                       Metrics& metrics, const ReconcilerOptions& options)
    : store_(store),
      inbox_(inbox),
      api_(api),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      // A bucket of one: Zendesk counts the limit over a sliding minute, so a
      // burst after a quiet spell would be refused.
      bucket_(options.requests_per_minute, 1.0),
      rng_(std::random_device{}()),
      interval_(options.interval),
      worker_("reconcile") {}

Reconciler::~Reconciler() {
  stop();
}

void Reconciler::start() {
  // Not after stop(): stopping() stays true, and runs return at once.
  if (worker_.started() || worker_.stopping()) return;
  worker_.start([this] { run(); });
}

void Reconciler::stop() {
  worker_.stop();
}

void Reconciler::set_interval(Duration interval) {
  {
    MutexLock lock(mutex_);
    interval_ = interval;
  }
  worker_.wake();
}

void Reconciler::run_soon() {
  run_soon_ = true;
  worker_.wake();
}

Duration Reconciler::interval() const {
  MutexLock lock(mutex_);
  return interval_;
}

void Reconciler::run() {
  const Clock& elapsed = worker_.clock();
  while (true) {
    const Instant begun = elapsed.now();
    try {
      if (!options_.singleton_fence || options_.singleton_fence()) (void)run_once();
    } catch (const std::exception& e) {
      spdlog::error("reconcile event=run_failed error=\"{}\"", e.what());
    } catch (...) {
      spdlog::error("reconcile event=run_failed error=unknown");
    }
    // The deadline is re-read after every wake, so a reload's new interval
    // applies to the wait in progress.
    for (Instant due = begun + interval(); elapsed.now() < due && !run_soon_.exchange(false);
         due = begun + interval()) {
      if (!worker_.wait_until(due)) return;
    }
  }
}

ReconcileRun Reconciler::run_once() {
  MutexLock run_lock(run_mutex_);
  if (worker_.stopping()) {
    ReconcileRun run;
    run.status = stopped_status();
    return run;
  }
  try {
    return run_locked();
  } catch (const std::exception& e) {
    metrics_.reconcile_errors().Increment();
    ReconcileRun run;
    run.status = Status::Internal(std::string("reconcile: ") + e.what());
    spdlog::error("reconcile event=run_failed error=\"{}\"", e.what());
    return run;
  }
}

ReconcileRun Reconciler::run_locked() {
  const auto begun = std::chrono::steady_clock::now();
  ReconcileRun run;
  auto stored = store_.get_meta(kReconcileCursorKey);
  std::string cursor;
  if (stored.ok()) {
    cursor = stored->value_or("");
  } else {
    metrics_.reconcile_errors().Increment();
    run.status = stored.status();
  }
  const Instant start_time = export_start_time(clock_.now(), options_.lookback);

  while (run.status.ok() && run.pages < options_.max_pages_per_run) {
    auto page = fetch_page(cursor, start_time, run);
    if (!page.ok()) {
      run.status = page.status();
      if (page.status().code() == StatusCode::kUnauthenticated) {
        spdlog::error(
            "reconcile event=unauthenticated action=run_stopped error=\"{}\" "
            "hint=\"check the Zendesk API credentials\"",
            page.status().message());
      } else if (page.status().code() == StatusCode::kInvalidArgument && !cursor.empty()) {
        // A cursor the vendor no longer takes would block every later run;
        // the next one starts over from the look-back window instead.
        spdlog::error("reconcile event=cursor_refused action=cursor_reset error=\"{}\"",
                      page.status().message());
        if (Status s = put_cursor(""); !s.ok()) {
          spdlog::error("reconcile event=cursor_reset_failed error=\"{}\"", s.message());
        }
      }
      break;
    }
    const std::string before = cursor;
    const Instant answered_at = clock_.now();
    if (Status s = commit_page(*page, cursor, run); !s.ok()) {
      metrics_.reconcile_errors().Increment();
      spdlog::error("reconcile event=commit_failed error=\"{}\"", s.message());
      run.status = s;
      break;
    }
    if (page->end_of_stream) {
      run.end_of_stream = true;
      // Everything up to the vendor's exclusion window has been read.
      advance_watermark(answered_at - kExportMinStartAge);
      break;
    }
    if (cursor == before) {
      // The same request would bring the same page again.
      spdlog::warn("reconcile event=no_progress reason=cursor_unchanged");
      break;
    }
  }

  metrics_.reconcile_runs().Increment();
  refresh_lag_metric();
  const std::string outcome =
      run.status.ok() ? "ok" : (worker_.stopping() ? "stopped" : run.status.to_string());
  spdlog::info(
      "reconcile event=run pages={} tickets={} new_events={} requests={} end_of_stream={} "
      "duration_ms={} outcome=\"{}\"",
      run.pages, run.tickets, run.new_events, run.requests, run.end_of_stream, elapsed_ms(begun),
      outcome);
  return run;
}

Result<ExportPage> Reconciler::fetch_page(const std::string& cursor, Instant start_time,
                                          ReconcileRun& run) {
  const Clock& elapsed = worker_.clock();
  for (int attempt = 1;; ++attempt) {
    while (!bucket_.take(elapsed.now())) {
      const Duration wait = std::max(bucket_.wait_time(elapsed.now()), Duration(1));
      if (!worker_.sleep_for(wait)) return stopped_status();
    }
    if (worker_.stopping()) return stopped_status();
    ++run.requests;
    Result<ExportPage> page = api_.export_tickets(cursor, start_time);
    if (page.ok()) return page;

    metrics_.reconcile_errors().Increment();
    const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    const ExportRetry plan = plan_export_retry(page.status(), attempt, options_, jitter);
    spdlog::warn("reconcile event=export_failed attempt={} retry={} retry_in_ms={} error=\"{}\"",
                 attempt, plan.retry, plan.wait.count(), page.status().message());
    if (!plan.retry) return page.status();
    if (!worker_.sleep_for(plan.wait)) return stopped_status();
  }
}

Status Reconciler::commit_page(const ExportPage& page, std::string& cursor, ReconcileRun& run) {
  const Instant received_at = clock_.now();
  std::vector<InboxRecord> records;
  records.reserve(page.tickets.size());
  std::optional<Instant> newest;
  for (const TicketSnapshot& ticket : page.tickets) {
    auto event = reconcile_event(ticket);
    if (!event) {
      spdlog::warn("reconcile event=ticket_skipped ticket={} reason=no_updated_at", ticket.id);
      continue;
    }
    newest = newest ? std::max(*newest, *ticket.updated_at) : *ticket.updated_at;
    // HelpdeskApi hands over parsed snapshots, not the export rows; the
    // whole snapshot is in the event, so replay loses nothing.
    records.push_back(inbox_record(*event, received_at, ""));
  }

  size_t accepted = 0;
  if (!records.empty()) {
    auto outcomes = inbox_.append_all(std::move(records));
    if (!outcomes.ok()) return outcomes.status();
    accepted = static_cast<size_t>(
        std::count(outcomes->begin(), outcomes->end(), AppendOutcome::kAccepted));
  }
  // Only now that the page is durable may the cursor move past it.
  if (!page.after_cursor.empty() && page.after_cursor != cursor) {
    if (Status s = put_cursor(page.after_cursor); !s.ok()) return s;
    cursor = page.after_cursor;
  }

  ++run.pages;
  run.tickets += page.tickets.size();
  run.new_events += accepted;
  metrics_.reconcile_tickets().Increment(static_cast<double>(page.tickets.size()));
  if (newest) advance_watermark(*newest);
  return Status::Ok();
}

Status Reconciler::put_cursor(const std::string& cursor) {
  std::optional<cluster::ShardFence> fence;
  if (options_.singleton_fence) {
    fence = options_.singleton_fence();
    if (!fence) {
      return {StatusCode::kFenced,
              "reconcile: this replica no longer holds the singletons' lease; the cursor stays "
              "with the replica that does"};
    }
  }
  Status stored = put_meta_fenced(store_, kReconcileCursorKey, cursor, fence);
  if (stored.code() == StatusCode::kFenced) metrics_.fencing_rejections().Increment();
  return stored;
}

void Reconciler::advance_watermark(Instant complete_up_to) {
  const int64_t ms = to_unix_ms(complete_up_to);
  int64_t seen = watermark_ms_.load();
  while (ms > seen && !watermark_ms_.compare_exchange_weak(seen, ms)) {
  }
}

void Reconciler::refresh_lag_metric() {
  const int64_t watermark = watermark_ms_.load();
  if (watermark == 0) return;
  const int64_t lag_ms = std::max<int64_t>(0, to_unix_ms(clock_.now()) - watermark);
  metrics_.reconcile_lag_seconds().Set(static_cast<double>(lag_ms) / 1000.0);
}

}  // namespace tierd
