#include "engine/outbox_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "cluster/fence_status.h"
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

}  // namespace

OutboxSender::OutboxSender(Store& store, HelpdeskApi& api, Engine& engine, const Clock& clock,
                           Metrics& metrics, OutboxSenderOptions options)
    : store_(store),
      api_(api),
      engine_(engine),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      updates_(options_.updates_per_minute, std::max(1.0, options_.updates_per_minute / 6)),
      per_ticket_(options_.per_ticket_limit, std::chrono::minutes(10)),
      polls_(options_.job_poll_first, options_.job_poll_cap),
      worker_("writer", clock) {
  updates_budget_applied_ = options_.updates_per_minute;
}

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

void OutboxSender::set_rate_fraction(double fraction) {
  {
    MutexLock lock(mutex_);
    rate_fraction_ = std::clamp(fraction, 0.01, 1.0);
  }
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
    if (worked) continue;
    // Look again after kLookAgain, or sooner when the jobs in flight are
    // due a poll.
    Duration wait = kLookAgain;
    if (auto poll = polls_.next()) wait = std::clamp(*poll - clock_.now(), Duration(1), wait);
    worker_.wait_for(wait);
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

std::optional<HelpdeskAnswer> OutboxSender::last_answer() const {
  MutexLock lock(mutex_);
  return last_answer_;
}

void OutboxSender::count_answer(const Status& s) {
  {
    MutexLock lock(mutex_);
    last_answer_ = HelpdeskAnswer::of(clock_.now(), s);
  }
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
  if (options_.shards != nullptr) follow_ownership(now);
  double fraction = 1.0;
  {
    MutexLock lock(mutex_);
    fraction = rate_fraction_;
  }
  const double budget =
      options_.updates_budget ? options_.updates_budget() : options_.updates_per_minute;
  if (fraction != rate_fraction_applied_ || budget != updates_budget_applied_) {
    const double per_minute = budget * fraction;
    updates_.set_rate(now, per_minute, std::max(1.0, per_minute / 6), false);
    if (budget != updates_budget_applied_) {
      spdlog::info("writer: ticket updates budget {:.0f}/min (was {:.0f}/min)", budget,
                   updates_budget_applied_);
    }
    rate_fraction_applied_ = fraction;
    updates_budget_applied_ = budget;
  }
  const bool polled = poll_jobs();
  // Records handed over to the engine and not yet ended by it, and those of
  // jobs in flight, still come back; read past them so the batch of new ones
  // stays full.
  const size_t limit = 1000 + handed_over_.size() + in_jobs_.size();
  auto due =
      options_.shards == nullptr
          ? store_.due_outbox(now, limit)
          : store_.due_outbox(now, limit, cluster::scope_of(options_.shards->shards(), owned_));
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
    if (handed_over_.count(r.id) || in_jobs_.count(r.id)) {
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
    } else if (it->second.records.front().maybe_sent != r.maybe_sent) {
      // Records whose last attempt may have applied go again as they were
      // sent, without later ones: merged with those, the update would no
      // longer be the one the helpdesk may hold part of (a Freshdesk write
      // whose PUT went through without its note would meet that PUT as a
      // conflicting change, and its note would be lost). The later ones go
      // in a later round.
      held[r.ticket_id] = true;
      continue;
    }
    it->second.records.push_back(r);
    it->second.writes.push_back(std::move(write).value());
  }
  std::vector<TicketBatch> batches;
  for (TicketId id : order) {
    auto it = by_ticket.find(id);
    if (it != by_ticket.end()) batches.push_back(std::move(it->second));
  }
  if (batches.empty()) return polled;
  clear_writes_that_cannot_have_landed(batches);

  // Records whose last attempt may have applied go one by one: they need a
  // marker check first. So do tickets whose last bulk item failed.
  std::vector<TicketBatch> singles, bulk;
  for (auto& b : batches) {
    bool maybe_sent =
        std::any_of(b.records.begin(), b.records.end(), [](const auto& r) { return r.maybe_sent; });
    bool alone =
        maybe_sent || send_alone_.count(b.ticket_id) || batches.size() < options_.bulk_threshold;
    (alone ? singles : bulk).push_back(std::move(b));
  }
  // After a 429 the rest of the round waits too: the helpdesk would refuse
  // it, and the records stay due, so they go out together once the pause ends.
  auto must_stop = [this] {
    return worker_.stopping() || auth_failed() || clock_.now() < paused_until_;
  };
  bool worked = polled;
  for (auto& b : singles) {
    if (must_stop()) return true;
    send_alone_.erase(b.ticket_id);
    send_one(b);
    worked = true;
  }
  // Beyond the jobs in flight allowed, the records stay due and go in a
  // later round, once a poll has seen jobs finish.
  for (size_t i = 0; i < bulk.size() && jobs_.size() < options_.max_jobs_in_flight; i += 100) {
    std::vector<TicketBatch> chunk;
    for (size_t j = i; j < std::min(bulk.size(), i + 100); ++j) chunk.push_back(std::move(bulk[j]));
    if (must_stop()) return true;
    submit_bulk(chunk);
    worked = true;
  }
  return worked;
}

void OutboxSender::follow_ownership(Instant now) {
  std::map<int, cluster::LeaseToken> owned =
      cluster::without_fenced(options_.shards->owned(), fenced_);
  if (owned == owned_) return;
  const int shards = options_.shards->shards();
  bool gained = false;
  for (const auto& [shard, token] : owned) {
    auto before = owned_.find(shard);
    gained = gained || before == owned_.end() || before->second != token;
  }
  // A lost shard's records are its new owner's now; should this replica get
  // the shard back, they are read afresh from the store.
  auto lost = [&](TicketId ticket) { return owned.count(cluster::shard_of(ticket, shards)) == 0; };
  std::erase_if(handed_over_, [&](const auto& entry) { return lost(entry.second); });
  std::erase_if(send_alone_, lost);
  if (gained) {
    // What the old owner may have left in flight waits as if this process
    // had just started: the marker is looked for only once it could have landed.
    inherited_hold_until_ = now + options_.unknown_outcome_settle;
    attempted_here_.clear();
    inherited_hold_logged_ = false;
  }
  owned_ = std::move(owned);
}

std::vector<cluster::ShardFence> OutboxSender::fences_of(
    const std::vector<const TicketBatch*>& batches) const {
  std::vector<cluster::ShardFence> fences;
  if (options_.shards == nullptr) return fences;
  for (const TicketBatch* b : batches) {
    auto fence = cluster::fence_for(b->ticket_id, options_.shards->shards(), owned_);
    // A ticket outside the shards read is not sent; a fence no store holds
    // makes sure of it.
    fences.push_back(fence.value_or(
        cluster::ShardFence{cluster::shard_of(b->ticket_id, options_.shards->shards()), 0}));
  }
  return fences;
}

bool OutboxSender::still_ours(const std::vector<const TicketBatch*>& batches) const {
  if (options_.shards == nullptr) return true;
  for (const TicketBatch* b : batches) {
    const int shard = cluster::shard_of(b->ticket_id, options_.shards->shards());
    if (!options_.shards->may_act(shard)) {
      spdlog::warn(
          "writer: ticket={} shard={} lease no longer good for acting on; not sending "
          "(its next owner checks the write's marker)",
          b->ticket_id, shard);
      return false;
    }
  }
  return true;
}

void OutboxSender::fenced(const Status& refusal) {
  auto fence = cluster::refused_fence(refusal);
  if (!fence) return;
  metrics_.fencing_rejections().Increment();
  spdlog::warn(
      "event=fenced shard={} token={} writer: shard taken over; its writes are left to "
      "their new owner",
      fence->shard, fence->token);
  fenced_[fence->shard] = fence->token;  // until the gate names it with another token
  owned_.erase(fence->shard);
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
    // The account's budget is taken by the request itself; waiting for it
    // here, before the records are marked as attempted, keeps a request that
    // must wait from counting as one that may have been sent.
    Duration wait = api_.pacing_wait();
    if (update_endpoint) {
      // paused_until_: a 429 answered to a job poll made below.
      wait = std::max({wait, updates_.wait_time(now), paused_until_ - now});
    }
    if (wait <= Duration(0)) {
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
    // A write waiting for the Update Ticket budget would otherwise keep the
    // bulk jobs in flight from being polled: their tickets' confirmations
    // (and what the engine decides next on them) would wait behind every
    // single write of the round. Polls are not update requests.
    if (update_endpoint) {
      if (auto poll = polls_.next(); poll && !jobs_.empty()) {
        if (*poll > now) {
          wait = std::min(wait, *poll - now);
        } else if (poll_jobs()) {
          continue;
        }
      }
    }
    if (!worker_.sleep_for(wait)) return false;
  }
}

Result<bool> OutboxSender::already_applied(const TicketBatch& batch) {
  for (size_t i = 0; i < batch.records.size(); ++i) {
    if (!batch.records[i].maybe_sent || !batch.writes[i].note) continue;
    if (!wait_for_tokens(batch.ticket_id, false)) return Status::Unavailable("stopping");
    auto found =
        api_.has_comment_containing(batch.ticket_id, write_marker(batch.writes[i].idempotency_key));
    count_answer(found.status());
    return found;
  }
  return false;
}

void OutboxSender::clear_writes_that_cannot_have_landed(std::vector<TicketBatch>& batches) {
  const size_t per_request = api_.tickets_per_request();
  if (per_request == 0) return;
  // A write without a note has no marker to look for and repeats nothing
  // when sent again, but while it may have been sent it goes alone: cleared,
  // it may go in a bulk job too (a lost job's tickets go again as a job).
  std::vector<TicketBatch*> unknown;
  for (auto& b : batches) {
    if (std::any_of(b.records.begin(), b.records.end(),
                    [](const OutboxRecord& r) { return r.maybe_sent; })) {
      unknown.push_back(&b);
    }
  }
  // One ticket's check costs a request either way.
  if (unknown.size() < 2) return;
  size_t cleared = 0;
  for (size_t begin = 0; begin < unknown.size(); begin += per_request) {
    const size_t end = std::min(unknown.size(), begin + per_request);
    std::vector<TicketId> ids;
    for (size_t i = begin; i < end; ++i) ids.push_back(unknown[i]->ticket_id);
    if (worker_.stopping() || auth_failed() || clock_.now() < paused_until_) return;
    if (!wait_for_tokens(ids.front(), false)) return;
    auto tickets = api_.tickets_by_ids(ids);
    count_answer(tickets.status());
    if (!tickets.ok()) {
      // Each ticket's own marker check follows, as without this read.
      spdlog::warn(
          "writer: reading {} tickets with writes of unknown outcome failed ({}); "
          "checking their markers one by one",
          ids.size(), tickets.status().to_string());
      if (tickets.status().code() == StatusCode::kResourceExhausted) {
        paused_until_ = std::max(
            paused_until_, clock_.now() + tickets.status().retry_after().value_or(kLookAgain));
      }
      return;
    }
    std::unordered_map<TicketId, Instant> updated_at;
    for (const auto& t : *tickets) {
      if (t.updated_at) updated_at[t.id] = *t.updated_at;
    }
    for (size_t i = begin; i < end; ++i) {
      TicketBatch& b = *unknown[i];
      auto it = updated_at.find(b.ticket_id);
      if (it == updated_at.end()) continue;  // not found: the marker check says what happened
      std::vector<int64_t> ids_unknown;
      Instant first_created = Instant::max();
      for (const auto& r : b.records) {
        if (!r.maybe_sent) continue;
        ids_unknown.push_back(r.id);
        first_created = std::min(first_created, r.created_at);
      }
      // A write that landed stamped updated_at no earlier than its own
      // creation, give or take the clocks' difference (and the whole second
      // updated_at is cut to).
      if (it->second + options_.clock_skew_allowance >= first_created) continue;
      Status s = store_.reschedule_outbox(
          ids_unknown, clock_.now(),
          "not applied: the ticket is unchanged since before the write (updated_at " +
              format_instant(it->second) + ")",
          fences_of({&b}));
      if (!s.ok()) {
        spdlog::error("writer: ticket={} cannot record that its write did not apply: {}",
                      b.ticket_id, s.to_string());
        fenced(s);
        continue;
      }
      for (auto& r : b.records) r.maybe_sent = false;
      ++cleared;
    }
  }
  if (cleared > 0) {
    spdlog::info(
        "writer: {} of {} tickets with writes of unknown outcome are unchanged since "
        "before those writes; sending them again without a marker check",
        cleared, unknown.size());
  }
}

void OutboxSender::check_again_later(const TicketBatch& batch, const Status& status) {
  // The write may have applied: its records stay maybe-sent (never
  // rescheduled, which would clear that) and are looked for again.
  const Instant now = clock_.now();
  int attempts = 1;
  for (const auto& r : batch.records) attempts = std::max(attempts, r.attempts + 1);
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  Duration delay =
      backoff_delay(attempts, options_.backoff_base, options_.backoff_cap, jitter(rng_));
  if (status.code() == StatusCode::kResourceExhausted) {
    delay = status.retry_after().value_or(std::chrono::seconds(60));
    paused_until_ = std::max(paused_until_, now + delay);
    metrics_.rate_limit_waits().Increment();
  }
  for (const auto& r : batch.records) retry_at_[r.id] = now + delay;
  spdlog::warn("writer: ticket={} looking for the marker failed ({}); looking again in {}",
               batch.ticket_id, status.to_string(), format_duration(delay));
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
    handed_over_.emplace(r.id, batch.ticket_id);
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
                                       "conflict; re-read failed: " + fresh.status().to_string(),
                                       fences_of({&batch}));
      }
      return;
    }
    case StatusCode::kResourceExhausted: {
      Duration wait = status.retry_after().value_or(std::chrono::seconds(60));
      paused_until_ = std::max(paused_until_, now + wait);
      metrics_.rate_limit_waits().Increment();
      spdlog::warn("writer: ticket={} rate limited by the helpdesk; waiting {}", batch.ticket_id,
                   format_duration(wait));
      (void)store_.reschedule_outbox(ids, now + wait, "HTTP 429: " + status.message(),
                                     fences_of({&batch}));
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
      (void)store_.reschedule_outbox(ids, now, "HTTP 401: " + status.message(),
                                     fences_of({&batch}));
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
  auto applied = already_applied(batch);
  if (!applied.ok()) {
    if (!worker_.stopping()) check_again_later(batch, applied.status());
    return;
  }
  if (*applied) {
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
  Status marked = store_.mark_outbox_attempt(ids_of(batch.records), fences_of({&batch}));
  if (!marked.ok()) {
    spdlog::error("writer: ticket={} cannot record the attempt, not sending: {}", batch.ticket_id,
                  marked.to_string());
    fenced(marked);
    return;
  }
  if (!still_ours({&batch})) return;
  const Instant sent_at = clock_.now();
  auto result = api_.update_ticket(*update);
  count_answer(result.status());
  if (result.ok()) {
    report(batch, InputKind::kWriteConfirmed, *result, "HTTP 200");
  } else {
    handle_failure(batch, result.status(), clock_.now() - sent_at);
  }
}

void OutboxSender::submit_bulk(std::vector<TicketBatch>& batches) {
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
  std::vector<const TicketBatch*> tickets;
  for (const auto& b : sendable) tickets.push_back(&b);
  if (Status s = store_.mark_outbox_attempt(all_ids, fences_of(tickets)); !s.ok()) {
    spdlog::error("writer: cannot record a bulk attempt, not sending: {}", s.to_string());
    fenced(s);
    return;
  }
  if (!still_ours(tickets)) return;
  const Instant sent_at = clock_.now();
  auto job = api_.update_many(updates);
  count_answer(job.status());
  if (!job.ok()) {
    for (auto& b : sendable) handle_failure(b, job.status(), clock_.now() - sent_at);
    return;
  }
  spdlog::info("writer: bulk job={} tickets={} in_flight={}", *job, sendable.size(),
               jobs_.size() + 1);
  in_jobs_.insert(all_ids.begin(), all_ids.end());
  jobs_.push_back(JobInFlight{*job, std::move(sendable), sent_at + options_.job_timeout});
  polls_.submitted(clock_.now());
}

bool OutboxSender::poll_jobs() {
  const Instant now = clock_.now();
  auto due = polls_.next();
  if (jobs_.empty() || !due || now < *due) return false;
  if (!wait_for_tokens(0, false)) return false;
  std::vector<std::string> ids;
  for (const auto& j : jobs_) ids.push_back(j.id);
  auto statuses = api_.job_statuses(ids);
  count_answer(statuses.status());
  bool any_finished = false;
  if (!statuses.ok()) {
    spdlog::warn("writer: reading {} bulk job statuses failed: {}", ids.size(),
                 statuses.status().to_string());
    if (statuses.status().code() == StatusCode::kResourceExhausted) {
      const Duration wait = statuses.status().retry_after().value_or(std::chrono::seconds(60));
      paused_until_ = std::max(paused_until_, clock_.now() + wait);
      metrics_.rate_limit_waits().Increment();
    }
  } else {
    std::unordered_map<std::string, const JobStatus*> by_id;
    for (const auto& st : *statuses) by_id[st.id] = &st;
    for (auto& job : jobs_) {
      auto it = by_id.find(job.id);
      if (it != by_id.end() && it->second->finished()) {
        finish_job(job, *it->second);
        job.id.clear();  // done
        any_finished = true;
      }
    }
  }
  // A job not finished in time (or no longer known) had an unknown outcome:
  // its records are looked for by their markers before they go again.
  const Instant later = clock_.now();
  for (auto& job : jobs_) {
    if (job.id.empty() || later < job.give_up_at) continue;
    forget_job(job);
    for (auto& b : job.batches) {
      handle_failure(
          b, Status(StatusCode::kDeadlineExceeded, "bulk job " + job.id + " did not finish"));
    }
    job.id.clear();
  }
  std::erase_if(jobs_, [](const JobInFlight& j) { return j.id.empty(); });
  polls_.polled(later, any_finished, !jobs_.empty());
  return true;
}

void OutboxSender::forget_job(const JobInFlight& job) {
  for (const auto& b : job.batches) {
    for (const auto& r : b.records) in_jobs_.erase(r.id);
  }
}

void OutboxSender::finish_job(JobInFlight& job, const JobStatus& status) {
  forget_job(job);
  // Results name their item by its position in the request (documented) and
  // by the ticket's id.
  std::unordered_map<TicketId, const BulkItemResult*> by_ticket;
  std::unordered_map<size_t, const BulkItemResult*> by_index;
  for (const auto& r : status.results) {
    if (r.index) by_index[*r.index] = &r;
    by_ticket[r.ticket_id] = &r;
  }
  for (size_t i = 0; i < job.batches.size(); ++i) {
    TicketBatch& b = job.batches[i];
    const BulkItemResult* result = nullptr;
    if (auto it = by_index.find(i); it != by_index.end() && it->second->ticket_id == b.ticket_id) {
      result = it->second;
    } else if (auto t = by_ticket.find(b.ticket_id); t != by_ticket.end()) {
      result = t->second;
    }
    if (result == nullptr) {
      handle_failure(
          b, Status(StatusCode::kDeadlineExceeded, "bulk job reported nothing for the ticket"));
    } else if (result->success) {
      report(b, InputKind::kWriteConfirmed, std::nullopt, "bulk job " + job.id + " updated");
    } else {
      // Whether the item lost to a concurrent change or was refused for good
      // the result does not say: re-read the ticket and decide again, and
      // send its next write alone, where the answer is certain.
      send_alone_.insert(b.ticket_id);
      handle_failure(b, Status::Conflict("bulk job " + job.id + ": " + result->error));
    }
  }
}

}  // namespace tierd
