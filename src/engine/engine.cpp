#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "cluster/fence_status.h"
#include "core/ticket_event.h"
#include "core/ticket_summary.h"
#include "engine/decision_counts.h"

namespace tierd {

struct Engine::Batch {
  std::vector<EngineCommit> commits;
  std::unordered_map<TicketId, TicketState> states;  // latest state of each ticket touched
  std::vector<std::pair<TicketId, Instant>> fired;   // timers popped, re-armed if the commit fails
  std::vector<WriteOutcome> outcomes;                // re-queued if the commit fails
  std::vector<DecisionCounts> counts;                // added to the metrics once committed
  std::vector<std::string> actions;
  std::vector<std::string> unassigned_routes;  // forwards that found nobody
  std::vector<int64_t> settled_outbox;         // records of outcomes the commit ends
  size_t dead_letters = 0;                     // of those, ended dead
  std::optional<Roster> roster_before;         // restored if the commit fails
  std::map<int, int64_t> running_before;       // likewise
  int64_t max_inbox_seq = 0;
  bool queued_writes = false;
  // With a gate: each cursor's value as the batch's next commit expects it stored.
  std::map<std::string, std::optional<std::string>> cursors_read;
  bool retry_at_once = false;  // the commit failed for a reason a retry avoids
};

Engine::Engine(Store& store, const Clock& clock, Metrics& metrics,
               std::shared_ptr<const Policy> policy, EngineOptions options)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      policy_(std::move(policy)),
      worker_("engine", clock) {}

Engine::~Engine() {
  stop();
}

std::string Engine::cursor_meta_key(const std::string& pool) {
  return "roster.cursor." + pool;
}

Status Engine::load_clocks() {
  if (options_.shards != nullptr) {
    // A replica owns no shard yet: follow_ownership() loads each one as the
    // gate hands it over. Only the counts least-open assignment needs, and
    // the cursors, are read now.
    if (Status s = refresh_open_counts(); !s.ok()) return s;
    load_cursors(*policy());
    return Status::Ok();
  }
  // From the summaries stored with each state: no state document is read.
  size_t shadow_backlogs = 0;
  Status s = store_.for_each_clock_summary(cluster::ShardScope::all(),
                                           [this, &shadow_backlogs](const ClockSummaryRow& row) {
                                             if (row.deadline) timers_.set(row.id, *row.deadline);
                                             count(row.summary, +1);
                                             if (row.summary.shadow_writes) ++shadow_backlogs;
                                           });
  if (!s.ok()) return s;
  load_cursors(*policy());
  if (shadow_backlogs > 0 && !policy()->shadow) {
    // Started live after a shadow run: every ticket gets a look at once, so
    // what the shadow decisions left due is written now, not at the
    // ticket's next event.
    spdlog::info("engine: {} tickets have decisions from shadow mode; writing what is still due",
                 shadow_backlogs);
    MutexLock lock(mutex_);
    replan_ = true;
  }
  return Status::Ok();
}

bool Engine::acts_on(TicketId id) const {
  if (options_.shards == nullptr) return true;
  return owned_.count(cluster::shard_of(id, options_.shards->shards())) != 0;
}

bool Engine::follow_ownership(Instant now) {
  std::map<int, cluster::LeaseToken> owned =
      cluster::without_fenced(options_.shards->owned(), fenced_);
  if (owned == owned_) return true;
  std::set<int> gained, lost;
  for (const auto& [shard, token] : owned) {
    auto before = owned_.find(shard);
    if (before == owned_.end() || before->second != token) gained.insert(shard);
  }
  for (const auto& [shard, token] : owned_) {
    if (owned.count(shard) == 0) lost.insert(shard);
  }
  owned_ = std::move(owned);
  if (Status s = reload_owned(now, gained); !s.ok()) {
    spdlog::error("engine: loading the clocks of the shards owned failed, will retry: {}",
                  s.to_string());
    owned_.clear();  // act on nothing until they are loaded
    timers_.clear();
    return false;
  }
  spdlog::info("engine: acting on {} shards ({} gained, {} lost), {} running clocks", owned_.size(),
               gained.size(), lost.size(), timers_.size());
  if (!gained.empty()) {
    MutexLock lock(mutex_);
    inbox_signal_ = true;  // their pending deliveries
  }
  return true;
}

Status Engine::reload_owned(Instant now, const std::set<int>& gained) {
  timers_.clear();
  running_by_tier_.clear();
  const int shards = options_.shards->shards();
  std::unordered_set<TicketId> failover_due;
  Status s = store_.for_each_clock_summary(
      cluster::scope_of(shards, owned_), [&](const ClockSummaryRow& row) {
        if (row.deadline) {
          timers_.set(row.id, *row.deadline);
          if (*row.deadline <= now && gained.count(cluster::shard_of(row.id, shards)) != 0)
            failover_due.insert(row.id);
        }
        if (row.summary.running_tier) ++running_by_tier_[*row.summary.running_tier];
      });
  if (!s.ok()) return s;
  // Tickets that stayed keep their mark; those of shards lost go.
  for (TicketId id : failover_due_) {
    if (acts_on(id) && timers_.deadline_of(id)) failover_due.insert(id);
  }
  failover_due_ = std::move(failover_due);
  publish_running_clocks();
  return refresh_open_counts();
}

Status Engine::refresh_open_counts() {
  auto open = store_.open_tickets_per_assignee();
  if (!open.ok()) return open.status();
  roster_.open_tickets = std::move(open).value();
  next_roster_refresh_ = clock_.now() + options_.roster_refresh;
  return Status::Ok();
}

void Engine::reload_cursors() {
  // Another replica may have moved a cursor since this one last read it.
  roster_.cursors.clear();
  load_cursors(*policy());
}

void Engine::drop_fenced(const Status& refusal) {
  metrics_.fencing_rejections().Increment();
  std::optional<cluster::ShardFence> fence = cluster::refused_fence(refusal);
  if (!fence) {
    // Not a refusal this engine can pin on one shard: look at everything
    // again once the gate has caught up.
    spdlog::warn("engine: the store refused a commit's fence: {}", refusal.message());
    return;
  }
  spdlog::warn(
      "event=fenced shard={} token={} engine: shard taken over; its tickets "
      "are left to their new owner",
      fence->shard, fence->token);
  fenced_[fence->shard] = fence->token;
}

void Engine::count(const TicketSummary& summary, int64_t delta) {
  if (summary.open_assignee) {
    auto it = roster_.open_tickets.try_emplace(*summary.open_assignee, 0).first;
    if ((it->second += delta) <= 0) roster_.open_tickets.erase(it);
  }
  if (summary.running_tier) {
    auto it = running_by_tier_.try_emplace(*summary.running_tier, 0).first;
    if ((it->second += delta) <= 0) running_by_tier_.erase(it);
  }
}

Engine::Tallies Engine::tallies() const {
  return {roster_.open_tickets, running_by_tier_};
}

void Engine::load_cursors(const Policy& policy) {
  std::vector<std::string> pools;
  if (policy.review) pools.emplace_back(review_cursor_key());
  for (const auto& route : policy.routes) pools.push_back(route_cursor_key(route.name));
  for (const auto& pool : pools) {
    if (roster_.cursors.count(pool) != 0) continue;
    auto value = store_.get_meta(cursor_meta_key(pool));
    if (!value.ok()) {
      spdlog::warn("engine: cursor {} not read, starting the pool from its first agent: {}", pool,
                   value.status().to_string());
      continue;
    }
    if (!value->has_value()) continue;
    try {
      roster_.cursors[pool] = std::stoll(**value);
    } catch (const std::exception&) {
      spdlog::warn("engine: cursor {} unreadable, starting the pool from its first agent", pool);
    }
  }
}

void Engine::update_availability(AvailabilitySnapshot snapshot) {
  MutexLock lock(mutex_);
  availability_ = std::move(snapshot);
}

void Engine::take_availability() {
  std::optional<AvailabilitySnapshot> snapshot;
  {
    MutexLock lock(mutex_);
    snapshot.swap(availability_);
  }
  if (!snapshot) return;
  roster_.members = std::move(snapshot->members);
  roster_.away = std::move(snapshot->away);
}

Status Engine::start() {
  Status s = load_clocks();
  if (!s.ok()) return s;
  take_availability();
  publish_running_clocks();
  {
    MutexLock lock(mutex_);
    running_clocks_ = timers_.size();
  }
  spdlog::info("engine: started with {} running clocks", timers_.size());
  worker_.start([this] { run(); });
  return Status::Ok();
}

void Engine::stop() {
  worker_.stop();
}

void Engine::notify_inbox() {
  {
    MutexLock lock(mutex_);
    inbox_signal_ = true;
    idle_ = false;
  }
  worker_.wake();
}

void Engine::post_outcome(WriteOutcome outcome) {
  {
    MutexLock lock(mutex_);
    outcomes_.push_back(std::move(outcome));
    idle_ = false;
  }
  worker_.wake();
}

std::vector<int64_t> Engine::take_settled_outbox() {
  MutexLock lock(mutex_);
  return std::exchange(settled_outbox_, {});
}

void Engine::set_policy(std::shared_ptr<const Policy> policy) {
  {
    MutexLock lock(mutex_);
    if (!replaced_policy_) replaced_policy_ = policy_;
    policy_ = std::move(policy);
    replan_ = true;
    idle_ = false;
  }
  worker_.wake();
}

std::shared_ptr<const Policy> Engine::policy() const {
  MutexLock lock(mutex_);
  return policy_;
}

bool Engine::has_outcomes() const {
  MutexLock lock(mutex_);
  return !outcomes_.empty();
}

size_t Engine::running_clocks() const {
  MutexLock lock(mutex_);
  return running_clocks_;
}

bool Engine::idle() const {
  MutexLock lock(mutex_);
  return idle_ && outcomes_.empty() && !inbox_signal_;
}

bool Engine::guarded_step() {
  try {
    return step();
  } catch (const std::exception& e) {
    // decide() and the codecs do not throw; this guards the thread regardless.
    spdlog::error("engine: unexpected error: {}", e.what());
    return false;
  }
}

void Engine::run() {
  while (true) {
    const bool worked = guarded_step();
    {
      MutexLock lock(mutex_);
      running_clocks_ = timers_.size();
    }
    if (worker_.stopping()) {
      // Commit the write outcomes already reported, so a clean stop leaves
      // nothing for the next start to re-check.
      if (has_outcomes()) guarded_step();
      return;
    }
    if (worked) continue;
    {
      MutexLock lock(mutex_);
      idle_ = outcomes_.empty() && !inbox_signal_ && !replan_;
    }
    // Until the next deadline by the clock (never early for it), or until
    // an input arrives.
    if (auto next = timers_.next()) {
      worker_.wait_until(*next);
    } else {
      worker_.wait();
    }
  }
}

Result<TicketState> Engine::load_state(Batch& batch, TicketId id) {
  auto cached = batch.states.find(id);
  if (cached != batch.states.end()) return cached->second;
  auto row = store_.load_ticket(id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) {
    TicketState fresh;
    fresh.id = id;
    return fresh;
  }
  auto parsed = nlohmann::json::parse((*row)->state_json, nullptr, false);
  if (parsed.is_discarded())
    return Status::Internal("stored state of ticket " + std::to_string(id) + " is not JSON");
  return ticket_state_from_json(parsed);
}

void Engine::process(Batch& batch, TicketId id, const Input& input, Instant now,
                     std::optional<int64_t> inbox_seq, const std::string& event_id,
                     const std::vector<int64_t>& outcome_ids) {
  auto policy = this->policy();
  EngineCommit c;
  c.ticket_id = id;
  c.inbox_seq_done = inbox_seq;
  if (options_.shards != nullptr) {
    c.fence = cluster::fence_for(id, options_.shards->shards(), owned_);
  }
  if (input.event) {
    c.audit.push_back({0, id, now, "event", event_id, event_audit_detail(*input.event).dump()});
  }

  auto state = load_state(batch, id);
  if (!state.ok()) {
    // Unreadable state must not block the queue: record it and start afresh.
    spdlog::error("engine: ticket={} state unreadable, starting afresh: {}", id,
                  state.status().to_string());
    TicketState fresh;
    fresh.id = id;
    state = fresh;
  }
  const TicketSummary before = summarise(*state);
  Decision d = decide(*state, input, now, *policy, roster_);
  batch.counts.push_back(count_decision(*state, d, *policy));

  // In shadow mode decide() settles its writes itself (they come back as
  // "shadow_write" audit notes), so there is nothing to queue.
  for (const auto& w : d.writes) {
    OutboxRecord r;
    r.ticket_id = id;
    r.kind = w.kind;
    r.payload_json = to_json(w).dump();
    r.idempotency_key = w.idempotency_key;
    r.created_at = now;
    r.not_before = now;
    c.new_outbox.push_back(std::move(r));
    batch.queued_writes = true;
  }

  // A reported outcome ends every record it covers, whatever decide() still
  // tracked of them: a refused write is never sent again as it was.
  switch (input.kind) {
    case InputKind::kWriteConfirmed:
      c.outbox_done = outcome_ids;
      break;
    case InputKind::kWriteConflict:
      c.outbox_cancelled = outcome_ids;
      break;
    case InputKind::kWriteDead:
      c.outbox_dead = outcome_ids;
      c.outbox_dead_reason = input.detail;
      batch.dead_letters += outcome_ids.size();
      break;
    default:
      break;
  }
  batch.settled_outbox.insert(batch.settled_outbox.end(), outcome_ids.begin(), outcome_ids.end());
  for (auto& note : d.audit) {
    c.audit.push_back({0, id, now, note.kind, event_id, note.detail.dump()});
  }
  for (const auto& w : d.writes) {
    batch.actions.push_back(w.kind);
    spdlog::info("ticket={} event={} action={} key={}", id, event_id.empty() ? "-" : event_id,
                 w.kind, w.idempotency_key);
  }
  // Keep the Roster in step at once: the next ticket of this batch may be
  // assigned from it.
  c.summary = summarise(d.state);
  if (c.summary != before) {
    count(before, -1);
    count(c.summary, +1);
  }
  for (const auto& [pool, agent] : d.cursor_updates) {
    const std::string key = cursor_meta_key(pool);
    if (options_.shards != nullptr) {
      // Decided on the value this replica read; stored only if it still is.
      auto read = batch.cursors_read.find(key);
      if (read == batch.cursors_read.end()) {
        auto current = roster_.cursors.find(pool);
        read = batch.cursors_read
                   .emplace(key, current == roster_.cursors.end()
                                     ? std::nullopt
                                     : std::optional<std::string>(std::to_string(current->second)))
                   .first;
      }
      c.meta_expected.emplace_back(key, read->second);
      read->second = std::to_string(agent);
    }
    roster_.cursors[pool] = agent;
    c.meta.emplace_back(key, std::to_string(agent));
  }
  for (const auto& note : d.audit) {
    if (note.kind != "unassigned") continue;
    std::string route = note.detail.value("route", "");
    batch.unassigned_routes.push_back(route);
    spdlog::warn("ticket={} event={} action=forward route={} assignee=none reason=\"{}\"", id,
                 event_id.empty() ? "-" : event_id, route, note.detail.value("reason", ""));
  }
  c.state_json = to_json(d.state).dump();
  c.deadline = d.next_deadline;
  batch.states[id] = std::move(d.state);
  batch.commits.push_back(std::move(c));
}

bool Engine::commit(Batch& batch) {
  Status s = store_.commit(batch.commits);
  if (!s.ok()) {
    spdlog::error("engine: store commit of {} inputs failed, will retry: {}", batch.commits.size(),
                  s.to_string());
    for (const auto& [id, t] : batch.fired) timers_.set(id, t);
    if (batch.roster_before) roster_ = std::move(*batch.roster_before);
    running_by_tier_ = std::move(batch.running_before);
    {
      MutexLock lock(mutex_);
      for (auto it = batch.outcomes.rbegin(); it != batch.outcomes.rend(); ++it)
        outcomes_.push_front(*it);
      inbox_signal_ = true;
    }
    // Decided again at once: without the shard the store says is another
    // replica's now, or on the cursor another replica moved.
    if (s.code() == StatusCode::kFenced) drop_fenced(s);
    batch.retry_at_once = s.code() == StatusCode::kFenced ||
                          (s.code() == StatusCode::kConflict && options_.shards != nullptr);
    return false;
  }
  for (const auto& c : batch.commits) {
    if (c.deadline) {
      timers_.set(c.ticket_id, *c.deadline);
    } else {
      timers_.erase(c.ticket_id);
    }
  }
  if (batch.max_inbox_seq > inbox_cursor_) inbox_cursor_ = batch.max_inbox_seq;
  publish_running_clocks();
  for (const DecisionCounts& counts : batch.counts) {
    for (const TierMove& m : counts.moves) metrics_.escalations(m.from, m.to, m.cause).Increment();
    for (const TierMove& m : counts.bounce_backs) metrics_.bounce_backs(m.from, m.to).Increment();
    if (counts.review_escalations > 0) {
      metrics_.review_escalations().Increment(counts.review_escalations);
    }
    if (counts.solved_in) metrics_.tickets_solved(*counts.solved_in).Increment();
    if (counts.reopened_in) metrics_.tickets_reopened(*counts.reopened_in).Increment();
  }
  for (const auto& a : batch.actions) metrics_.engine_decisions(a).Increment();
  for (const auto& route : batch.unassigned_routes) metrics_.unassigned_forwards(route).Increment();
  if (batch.dead_letters > 0)
    metrics_.dead_letters().Increment(static_cast<double>(batch.dead_letters));
  if (!batch.settled_outbox.empty()) {
    MutexLock lock(mutex_);
    settled_outbox_.insert(settled_outbox_.end(), batch.settled_outbox.begin(),
                           batch.settled_outbox.end());
  }
  if ((batch.queued_writes || !batch.settled_outbox.empty()) && outbox_listener_) {
    outbox_listener_();
  }
  return true;
}

void Engine::publish_running_clocks() {
  // Counted from the tickets' states, not from the timers: a clock on the
  // last tier runs without a deadline.
  auto current = policy();
  std::vector<double> counts(current->tiers.size(), 0);
  for (const auto& [tier, running] : running_by_tier_) {
    if (tier >= 0 && static_cast<size_t>(tier) < counts.size())
      counts[static_cast<size_t>(tier)] = static_cast<double>(running);
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < counts.size(); ++i) {
    names.push_back(current->tiers[i].name);
    metrics_.running_clocks(names.back()).Set(counts[i]);
  }
  for (const auto& old : published_tiers_) {
    if (std::find(names.begin(), names.end(), old) == names.end())
      metrics_.running_clocks(old).Set(0);
  }
  published_tiers_ = std::move(names);
}

bool Engine::step() {
  Instant now = clock_.now();
  Batch batch;
  bool read_inbox = false;
  bool replan = false;
  std::shared_ptr<const Policy> old_policy;
  {
    MutexLock lock(mutex_);
    while (!outcomes_.empty() && batch.outcomes.size() < options_.batch_size) {
      batch.outcomes.push_back(std::move(outcomes_.front()));
      outcomes_.pop_front();
    }
    read_inbox = inbox_signal_;
    inbox_signal_ = false;
    replan = replan_;
    replan_ = false;
    old_policy = std::move(replaced_policy_);
    replaced_policy_.reset();
  }
  if (options_.shards != nullptr) {
    if (!follow_ownership(now)) {
      worker_.sleep_for(options_.retry_pause);
      return true;
    }
    if (now >= next_roster_refresh_) {
      if (Status s = refresh_open_counts(); !s.ok()) {
        spdlog::warn("engine: re-reading the open tickets per agent failed: {}", s.to_string());
        next_roster_refresh_ = now + options_.retry_pause;
      }
    }
    reload_cursors();
  }
  if (replan) replan_all(old_policy);
  take_availability();
  batch.roster_before = roster_;
  batch.running_before = running_by_tier_;

  for (const auto& o : batch.outcomes) {
    if (!acts_on(o.ticket_id)) {
      // Its shard went to another replica since the write was sent: the new
      // owner finds the record pending and checks its marker.
      spdlog::info("ticket={} engine: write outcome left to the shard's new owner", o.ticket_id);
      continue;
    }
    process(batch, o.ticket_id, Input::WriteOutcome(o.kind, o.keys, o.ticket, o.detail), now,
            std::nullopt, "", o.outbox_ids);
  }

  if (read_inbox) {
    // Replicas commit inbox rows concurrently, so a row with a lower seq can
    // appear after a higher one was read: a replica reads from the start
    // (only unprocessed rows of its shards, through an index).
    auto pending = options_.shards == nullptr
                       ? store_.pending_inbox(inbox_cursor_, options_.batch_size)
                       : store_.pending_inbox(0, options_.batch_size,
                                              cluster::scope_of(options_.shards->shards(), owned_));
    if (!pending.ok()) {
      spdlog::error("engine: reading the inbox failed, will retry: {}",
                    pending.status().to_string());
      MutexLock lock(mutex_);
      inbox_signal_ = true;
    } else {
      for (const auto& rec : *pending) {
        batch.max_inbox_seq = std::max(batch.max_inbox_seq, rec.seq);
        auto parsed = nlohmann::json::parse(rec.event_json, nullptr, false);
        auto event = parsed.is_discarded()
                         ? Result<TicketEvent>(Status::InvalidArgument("not JSON"))
                         : ticket_event_from_json(parsed);
        if (!event.ok()) {
          spdlog::error("engine: event={} unreadable, skipped: {}", rec.event_id,
                        event.status().to_string());
          EngineCommit skip;
          skip.ticket_id = rec.ticket_id;
          skip.set_deadline = false;
          skip.inbox_seq_done = rec.seq;
          if (options_.shards != nullptr) {
            skip.fence = cluster::fence_for(rec.ticket_id, options_.shards->shards(), owned_);
          }
          skip.audit.push_back({0, rec.ticket_id, now, "unreadable_event", rec.event_id,
                                nlohmann::json{{"error", event.status().message()}}.dump()});
          batch.commits.push_back(std::move(skip));
          continue;
        }
        process(batch, rec.ticket_id, Input::Event(std::move(event).value()), now, rec.seq,
                rec.event_id, {});
      }
      if (pending->size() == options_.batch_size) {
        MutexLock lock(mutex_);
        inbox_signal_ = true;  // more to read
      }
    }
  }

  size_t room =
      options_.batch_size > batch.commits.size() ? options_.batch_size - batch.commits.size() : 0;
  for (const auto& [id, deadline] : timers_.pop_due(now, std::max<size_t>(room, 1))) {
    batch.fired.emplace_back(id, deadline);
    metrics_.timer_lateness_seconds().Observe(
        std::chrono::duration<double>(now - deadline).count());
    if (options_.on_timer_fired) options_.on_timer_fired(now - deadline);
    if (failover_due_.erase(id) != 0) {
      metrics_.failover_lateness_seconds().Observe(
          std::chrono::duration<double>(now - deadline).count());
    }
    process(batch, id, Input::Tick(), now, std::nullopt, "", {});
  }

  if (batch.commits.empty()) return false;
  if (!commit(batch) && !batch.retry_at_once) worker_.sleep_for(options_.retry_pause);
  return true;
}

void Engine::replan_all(const std::shared_ptr<const Policy>& old_policy) {
  // Re-plan every stored ticket's deadline under the new policy: the time
  // used so far is banked under the old policy's calendars, then a Tick
  // decides with the new budgets and calendars.
  auto policy = this->policy();
  load_cursors(*policy);
  std::vector<TicketId> ids;
  Status s = store_.for_each_ticket([&](const TicketRow& row) {
    if (acts_on(row.id)) ids.push_back(row.id);
  });
  if (!s.ok()) {
    spdlog::error("engine: re-planning after a policy change failed: {}", s.to_string());
    return;
  }
  size_t done = 0;
  for (size_t i = 0; i < ids.size(); i += options_.batch_size) {
    Batch batch;
    batch.roster_before = roster_;
    batch.running_before = running_by_tier_;
    Instant now = clock_.now();
    for (size_t j = i; j < std::min(ids.size(), i + options_.batch_size); ++j) {
      if (old_policy) {
        auto state = load_state(batch, ids[j]);
        if (state.ok()) batch.states[ids[j]] = rebase_clock(*state, now, *old_policy);
      }
      process(batch, ids[j], Input::Tick(), now, std::nullopt, "", {});
    }
    if (commit(batch)) done += batch.commits.size();
  }
  spdlog::info("engine: re-planned {} tickets under the new policy", done);
}

}  // namespace tierd
