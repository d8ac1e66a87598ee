#include "engine/outbox_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "helpdesk/update_merge.h"

namespace tierd {
namespace {

// Without a wake, the sender looks at the outbox again after this long:
// back-offs and Retry-After waits end without anyone waking it.
constexpr Duration kLookAgain = std::chrono::seconds(1);

std::vector<int64_t> ids_of(const std::vector<OutboxRecord>& records) {
  std::vector<int64_t> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

bool is_conflict_text(std::string text) {
  text = ascii_lower(text);
  return text.find("conflict") != std::string::npos || text.find("409") != std::string::npos;
}

}  // namespace

OutboxSender::OutboxSender(Store& store, HelpdeskApi& api, Engine& engine, const Clock& clock,
                           Metrics& metrics, OutboxSenderOptions options)
    : store_(store),
      api_(api),
      engine_(engine),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      account_(options.requests_per_minute, std::max(1.0, options.requests_per_minute / 6)),
      updates_(options.updates_per_minute, std::max(1.0, options.updates_per_minute / 6)),
      per_ticket_(options.per_ticket_limit, std::chrono::minutes(10)),
      worker_("writer", clock) {}

OutboxSender::~OutboxSender() {
  stop();
}

void OutboxSender::start() {
  // From start(), not from the thread: the hold covers what a previous
  // process may have left in flight, whenever the thread gets going.
  inherited_hold_until_ = clock_.now() + options_.unknown_outcome_settle;
  worker_.start([this] { run(); });
}

void OutboxSender::stop() {
  worker_.stop();
}

void OutboxSender::wake() {
  worker_.wake();
}

bool OutboxSender::auth_failed() const {
  MutexLock lock(mutex_);
  return auth_failed_;
}

void OutboxSender::run() {
  while (!worker_.stopping()) {
    bool worked = false;
    try {
      if (auth_failed() && !probe_credentials()) continue;
      worked = send_due();
    } catch (const std::exception& e) {
      spdlog::error("writer: unexpected error: {}", e.what());
    }
    publish_depth();
    if (!worked) worker_.wait_for(kLookAgain);
  }
}

bool OutboxSender::probe_credentials() {
  auto me = api_.current_user();
  count_answer(me.status());
  if (me.ok()) {
    MutexLock lock(mutex_);
    auth_failed_ = false;
    spdlog::warn("writer: helpdesk credentials work again; resuming writes");
    return true;
  }
  Duration wait = auth_probe_wait_;
  auth_probe_wait_ = std::min(auth_probe_wait_ * 2, options_.auth_probe_interval);
  worker_.sleep_for(wait);
  return false;
}

void OutboxSender::publish_depth() {
  auto depth = store_.outbox_depth();
  if (depth.ok()) metrics_.outbox_depth().Set(static_cast<double>(*depth));
  auto oldest = store_.oldest_pending_outbox();
  if (oldest.ok()) {
    double age = *oldest ? std::chrono::duration<double>(clock_.now() - **oldest).count() : 0.0;
    metrics_.outbox_oldest_age_seconds().Set(std::max(0.0, age));
  }
}

void OutboxSender::count_answer(const Status& s) {
  const char* label = "ok";
  switch (s.code()) {
    case StatusCode::kOk:
      label = "2xx";
      break;
    case StatusCode::kConflict:
      label = "409";
      break;
    case StatusCode::kResourceExhausted:
      label = "429";
      break;
    case StatusCode::kUnauthenticated:
      label = "401";
      break;
    case StatusCode::kPermissionDenied:
      label = "403";
      break;
    case StatusCode::kNotFound:
      label = "404";
      break;
    case StatusCode::kInvalidArgument:
      label = "4xx";
      break;
    case StatusCode::kDeadlineExceeded:
      label = "timeout";
      break;
    case StatusCode::kUnavailable:
      label = "5xx_or_connection";
      break;
    default:
      label = "other";
      break;
  }
  metrics_.vendor_responses(label).Increment();
}

bool OutboxSender::send_due() {
  Instant now = clock_.now();
  if (now < paused_until_) {
    worker_.sleep_until(paused_until_);
    return true;
  }
  // Before the read: a record the engine ended before this point is not
  // read as pending, so it cannot be let go of and then sent again.
  for (int64_t id : engine_.take_settled_outbox()) handed_over_.erase(id);
  // Records handed over to the engine and not yet ended by it still come
  // back; read past them so the batch of new ones stays full.
  auto due = store_.due_outbox(now, 1000 + handed_over_.size());
  if (!due.ok()) {
    spdlog::error("writer: reading the outbox failed: {}", due.status().to_string());
    worker_.sleep_for(kLookAgain);
    return false;
  }
  std::erase_if(retry_at_, [&](const auto& kv) { return kv.second <= now; });

  // Group by ticket in id order; a ticket whose oldest record must wait holds
  // back its later records too, so a ticket's writes never overtake each other.
  std::map<TicketId, TicketBatch> by_ticket;
  std::vector<TicketId> order;
  std::unordered_map<TicketId, bool> held;
  for (auto& r : *due) {
    if (handed_over_.count(r.id)) {
      held[r.ticket_id] = true;
      continue;
    }
    if (held[r.ticket_id]) continue;
    if (retry_at_.count(r.id) || inherited_in_flight(r, now) ||
        per_ticket_.wait_time(r.ticket_id, now) > Duration(0)) {
      held[r.ticket_id] = true;
      by_ticket.erase(r.ticket_id);
      continue;
    }
    auto parsed = nlohmann::json::parse(r.payload_json, nullptr, false);
    auto write = parsed.is_discarded()
                     ? Result<TicketWrite>(Status::InvalidArgument("payload is not JSON"))
                     : ticket_write_from_json(parsed);
    if (!write.ok()) {
      TicketBatch bad{r.ticket_id, {r}, {}};
      dead_letter(bad, "unreadable outbox record: " + write.status().message());
      held[r.ticket_id] = true;  // its later records wait until the engine ended it
      continue;
    }
    auto [it, inserted] = by_ticket.try_emplace(r.ticket_id);
    if (inserted) {
      it->second.ticket_id = r.ticket_id;
      order.push_back(r.ticket_id);
    }
    it->second.records.push_back(r);
    it->second.writes.push_back(std::move(write).value());
  }
  std::vector<TicketBatch> batches;
  for (TicketId id : order) {
    auto it = by_ticket.find(id);
    if (it != by_ticket.end()) batches.push_back(std::move(it->second));
  }
  if (batches.empty()) return false;

  // Records whose last attempt may have applied go one by one: they need a
  // marker check first.
  std::vector<TicketBatch> singles, bulk;
  for (auto& b : batches) {
    bool maybe_sent =
        std::any_of(b.records.begin(), b.records.end(), [](const auto& r) { return r.maybe_sent; });
    (maybe_sent || batches.size() < options_.bulk_threshold ? singles : bulk)
        .push_back(std::move(b));
  }
  // After a 429 the rest of the round waits too: the helpdesk would refuse
  // it, and the records stay due, so they go out together once the pause ends.
  auto must_stop = [this] {
    return worker_.stopping() || auth_failed() || clock_.now() < paused_until_;
  };
  for (auto& b : singles) {
    if (must_stop()) return true;
    send_one(b);
  }
  for (size_t i = 0; i < bulk.size(); i += 100) {
    std::vector<TicketBatch> chunk;
    for (size_t j = i; j < std::min(bulk.size(), i + 100); ++j) chunk.push_back(std::move(bulk[j]));
    if (must_stop()) return true;
    send_bulk(chunk);
  }
  return true;
}

bool OutboxSender::inherited_in_flight(const OutboxRecord& r, Instant now) {
  if (now >= inherited_hold_until_) {
    if (!attempted_here_.empty()) attempted_here_.clear();
    return false;
  }
  if (!r.maybe_sent || attempted_here_.count(r.id)) return false;
  if (!inherited_hold_logged_) {
    inherited_hold_logged_ = true;
    spdlog::warn(
        "writer: ticket={} has a write a previous run left in flight; such writes wait until {} "
        "before "
        "their marker is checked",
        r.ticket_id, format_instant(inherited_hold_until_));
  }
  return true;
}

bool OutboxSender::wait_for_tokens(TicketId ticket, bool update_endpoint) {
  bool counted = false;
  while (true) {
    Instant now = clock_.now();
    Duration wait = account_.wait_time(now);
    if (update_endpoint) wait = std::max(wait, updates_.wait_time(now));
    if (wait <= Duration(0)) {
      account_.take(now);
      if (update_endpoint) {
        updates_.take(now);
        per_ticket_.record(ticket, now);
      }
      return true;
    }
    if (!counted) {
      metrics_.rate_limit_waits().Increment();
      counted = true;
    }
    if (!worker_.sleep_for(wait)) return false;
  }
}

bool OutboxSender::already_applied(const TicketBatch& batch) {
  for (size_t i = 0; i < batch.records.size(); ++i) {
    if (!batch.records[i].maybe_sent || !batch.writes[i].note) continue;
    if (!wait_for_tokens(batch.ticket_id, false)) return false;
    auto found =
        api_.has_comment_containing(batch.ticket_id, write_marker(batch.writes[i].idempotency_key));
    count_answer(found.status());
    return found.ok() && *found;
  }
  return false;
}

void OutboxSender::report(const TicketBatch& batch, InputKind kind,
                          std::optional<TicketSnapshot> ticket, const std::string& detail) {
  WriteOutcome o;
  o.ticket_id = batch.ticket_id;
  o.kind = kind;
  o.ticket = std::move(ticket);
  o.detail = detail;
  for (const auto& r : batch.records) {
    o.outbox_ids.push_back(r.id);
    o.keys.push_back(r.idempotency_key);
    handed_over_.insert(r.id);
    retry_at_.erase(r.id);
  }
  std::string keys;
  for (const auto& k : o.keys) keys += (keys.empty() ? "" : ",") + k;
  spdlog::info("ticket={} action=write keys={} outcome={}", batch.ticket_id, keys, detail);
  engine_.post_outcome(std::move(o));
}

void OutboxSender::dead_letter(const TicketBatch& batch, const std::string& why) {
  // The engine's commit makes them dead (and counts them), with the ticket's
  // audit trail; until then they are held like any reported record.
  spdlog::error("ticket={} action=dead_letter records={} reason=\"{}\"", batch.ticket_id,
                batch.records.size(), why);
  report(batch, InputKind::kWriteDead, std::nullopt, why);
}

void OutboxSender::handle_failure(const TicketBatch& batch, const Status& status,
                                  Duration outstanding) {
  Instant now = clock_.now();
  auto ids = ids_of(batch.records);
  int attempts = 1;
  for (const auto& r : batch.records) attempts = std::max(attempts, r.attempts + 1);
  switch (status.code()) {
    case StatusCode::kConflict: {
      if (!wait_for_tokens(batch.ticket_id, false)) return;
      auto fresh = api_.get_ticket(batch.ticket_id);
      count_answer(fresh.status());
      if (fresh.ok()) {
        report(batch, InputKind::kWriteConflict, *fresh, "HTTP 409: " + status.message());
      } else if (fresh.status().code() == StatusCode::kNotFound) {
        dead_letter(batch, "ticket no longer exists");
      } else {
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        (void)store_.reschedule_outbox(ids,
                                       now + backoff_delay(attempts, options_.backoff_base,
                                                           options_.backoff_cap, jitter(rng_)),
                                       "conflict; re-read failed: " + fresh.status().to_string());
      }
      return;
    }
    case StatusCode::kResourceExhausted: {
      Duration wait = status.retry_after().value_or(std::chrono::seconds(60));
      paused_until_ = std::max(paused_until_, now + wait);
      metrics_.rate_limit_waits().Increment();
      spdlog::warn("writer: ticket={} rate limited by the helpdesk; waiting {}", batch.ticket_id,
                   format_duration(wait));
      (void)store_.reschedule_outbox(ids, now + wait, "HTTP 429: " + status.message());
      return;
    }
    case StatusCode::kUnauthenticated: {
      {
        MutexLock lock(mutex_);
        auth_failed_ = true;
      }
      auth_probe_wait_ = std::min(options_.auth_probe_first, options_.auth_probe_interval);
      spdlog::critical(
          "writer: ALERT helpdesk credentials were refused (HTTP 401); writes are held in the "
          "outbox "
          "until they work again");
      (void)store_.reschedule_outbox(ids, now, "HTTP 401: " + status.message());
      return;
    }
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kInternal: {
      // The write may or may not have applied. The records keep maybe_sent;
      // the next attempt first looks for the marker.
      std::uniform_real_distribution<double> jitter(0.0, 1.0);
      Duration delay =
          backoff_delay(attempts, options_.backoff_base, options_.backoff_cap, jitter(rng_));
      // A request the helpdesk is still working on must land (or be refused)
      // before the marker check, or the retry could apply beside it.
      delay = std::max(delay, 2 * outstanding);
      for (int64_t id : ids) retry_at_[id] = now + delay;
      spdlog::warn("writer: ticket={} attempt={} failed ({}); retrying in {}", batch.ticket_id,
                   attempts, status.to_string(), format_duration(delay));
      return;
    }
    default:
      dead_letter(batch, status.to_string());
      return;
  }
}

void OutboxSender::send_one(TicketBatch& batch) {
  if (already_applied(batch)) {
    // A previous attempt applied; confirm it with the ticket as it is now.
    std::vector<OutboxRecord> applied;
    std::vector<TicketWrite> writes;
    for (size_t i = 0; i < batch.records.size(); ++i) {
      if (batch.records[i].maybe_sent) {
        applied.push_back(batch.records[i]);
        writes.push_back(batch.writes[i]);
      }
    }
    TicketBatch done{batch.ticket_id, std::move(applied), std::move(writes)};
    if (!wait_for_tokens(batch.ticket_id, false)) return;
    auto now_ticket = api_.get_ticket(batch.ticket_id);
    count_answer(now_ticket.status());
    report(done, InputKind::kWriteConfirmed,
           now_ticket.ok() ? std::optional<TicketSnapshot>(*now_ticket) : std::nullopt,
           "already applied (marker found)");
    return;
  }
  auto update = merge_writes(batch.writes);
  if (!update.ok()) {
    dead_letter(batch, update.status().message());
    return;
  }
  if (!wait_for_tokens(batch.ticket_id, true)) return;
  for (const auto& r : batch.records) attempted_here_.insert(r.id);
  Status marked = store_.mark_outbox_attempt(ids_of(batch.records));
  if (!marked.ok()) {
    spdlog::error("writer: ticket={} cannot record the attempt, not sending: {}", batch.ticket_id,
                  marked.to_string());
    return;
  }
  const Instant sent_at = clock_.now();
  auto result = api_.update_ticket(*update);
  count_answer(result.status());
  if (result.ok()) {
    report(batch, InputKind::kWriteConfirmed, *result, "HTTP 200");
  } else {
    handle_failure(batch, result.status(), clock_.now() - sent_at);
  }
}

void OutboxSender::send_bulk(std::vector<TicketBatch>& batches) {
  std::vector<TicketUpdate> updates;
  std::vector<int64_t> all_ids;
  std::vector<TicketBatch> sendable;
  for (auto& b : batches) {
    auto u = merge_writes(b.writes);
    if (!u.ok()) {
      dead_letter(b, u.status().message());
      continue;
    }
    updates.push_back(std::move(u).value());
    for (const auto& r : b.records) all_ids.push_back(r.id);
    sendable.push_back(std::move(b));
  }
  if (sendable.empty()) return;
  if (!wait_for_tokens(0, false)) return;
  attempted_here_.insert(all_ids.begin(), all_ids.end());
  if (Status s = store_.mark_outbox_attempt(all_ids); !s.ok()) {
    spdlog::error("writer: cannot record a bulk attempt, not sending: {}", s.to_string());
    return;
  }
  const Instant sent_at = clock_.now();
  auto job = api_.update_many(updates);
  count_answer(job.status());
  if (!job.ok()) {
    for (auto& b : sendable) handle_failure(b, job.status(), clock_.now() - sent_at);
    return;
  }
  spdlog::info("writer: bulk job={} tickets={}", *job, sendable.size());
  Instant give_up = clock_.now() + options_.job_timeout;
  std::optional<JobStatus> status;
  while (clock_.now() < give_up) {
    if (!worker_.sleep_for(options_.job_poll_interval)) return;
    if (!wait_for_tokens(0, false)) return;
    auto st = api_.job_status(*job);
    count_answer(st.status());
    if (st.ok() && st->finished()) {
      status = std::move(st).value();
      break;
    }
  }
  if (!status) {
    for (auto& b : sendable)
      handle_failure(b, Status(StatusCode::kDeadlineExceeded, "bulk job did not finish"));
    return;
  }
  std::unordered_map<TicketId, const BulkItemResult*> results;
  for (const auto& r : status->results) results[r.ticket_id] = &r;
  for (auto& b : sendable) {
    auto it = results.find(b.ticket_id);
    if (it == results.end()) {
      handle_failure(
          b, Status(StatusCode::kDeadlineExceeded, "bulk job reported nothing for the ticket"));
    } else if (it->second->success) {
      report(b, InputKind::kWriteConfirmed, std::nullopt, "bulk job " + *job + " updated");
    } else if (is_conflict_text(it->second->error)) {
      handle_failure(b, Status::Conflict(it->second->error));
    } else {
      dead_letter(b, "bulk job error: " + it->second->error);
    }
  }
}

}  // namespace tierd
