#include "replica/shard_ownership.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/time.h"

namespace tierd {

using cluster::OwnershipChange;
using cluster::OwnershipReason;
using cluster::ShardFence;

ShardOwnership::ShardOwnership(cluster::LeaseStore& store, ShardOwnershipOptions options,
                               const Clock& steady, OwnershipListener listener)
    : store_(store),
      options_(std::move(options)),
      clock_(steady),
      listener_(std::move(listener)),
      owner_(options_.replica_id, options_.shards, options_.timing, options_.singletons),
      worker_("shard-ownership", steady) {}

ShardOwnership::~ShardOwnership() {
  stop_renewing();
}

void ShardOwnership::start() {
  worker_.start([this] { loop(); });
}

void ShardOwnership::stop_renewing() {
  worker_.stop();
}

void ShardOwnership::release_all() {
  worker_.stop();
  std::vector<ShardFence> held;
  {
    MutexLock lock(mutex_);
    held = owner_.held();
  }
  for (const ShardFence& fence : held) {
    std::optional<OwnershipChange> change;
    {
      MutexLock lock(mutex_);
      change = owner_.released(fence.shard, OwnershipReason::kShutdown);
    }
    if (change) announce(*change);
    if (Status s = store_.release(fence.shard, options_.replica_id, fence.token); !s.ok()) {
      spdlog::warn("event=shard_release_failed replica={} shard={} token={} error=\"{}\"",
                   options_.replica_id, fence.shard, fence.token, s.message());
    }
  }
}

std::map<int, cluster::LeaseToken> ShardOwnership::owned() const {
  const Instant now = clock_.now();
  MutexLock lock(mutex_);
  std::map<int, cluster::LeaseToken> out;
  for (const auto& [shard, token] : owner_.owned()) {
    if (shard != cluster::kSingletonLease && owner_.may_act(shard, now)) {
      out.emplace(shard, token);
    }
  }
  return out;
}

std::optional<ShardFence> ShardOwnership::singleton_fence() const {
  const Instant now = clock_.now();
  MutexLock lock(mutex_);
  if (!owner_.may_act(cluster::kSingletonLease, now)) return std::nullopt;
  return ShardFence{cluster::kSingletonLease, owner_.owned().at(cluster::kSingletonLease)};
}

bool ShardOwnership::may_act(int shard) const {
  const Instant now = clock_.now();
  MutexLock lock(mutex_);
  return owner_.may_act(shard, now);
}

Duration ShardOwnership::tick() const {
  // Twice per renewal interval: a renewal that failed once is retried well
  // before the holder must stop acting (lease_timing.h).
  return std::max(options_.timing.renew_every() / 2, Duration(1));
}

void ShardOwnership::loop() {
  while (!worker_.stopping()) {
    round();
    Instant next = clock_.now() + tick();
    {
      MutexLock lock(mutex_);
      if (auto deadline = owner_.next_deadline()) next = std::min(next, *deadline);
    }
    if (!worker_.sleep_until(next)) return;
  }
}

void ShardOwnership::round() {
  if (Status s = store_.heartbeat(options_.replica_id); !s.ok()) {
    spdlog::warn("event=replica_heartbeat_failed replica={} error=\"{}\"", options_.replica_id,
                 s.message());
  }
  renew_due();
  std::vector<OwnershipChange> expired;
  {
    MutexLock lock(mutex_);
    expired = owner_.expire(clock_.now());
  }
  for (const auto& change : expired) announce(change);
  rebalance();
  forget_silent_replicas();
}

void ShardOwnership::forget_silent_replicas() {
  const Instant now = clock_.now();
  if (now < next_forget_ || !singleton_fence()) return;
  next_forget_ = now + options_.forget_check;
  auto forgotten = store_.forget_replicas(options_.forget_replicas_after);
  if (!forgotten.ok()) {
    spdlog::warn("event=replicas_forget_failed replica={} error=\"{}\"", options_.replica_id,
                 forgotten.status().message());
  } else if (*forgotten > 0) {
    spdlog::info("event=replicas_forgotten replica={} count={} silent_for={}", options_.replica_id,
                 *forgotten, format_duration(options_.forget_replicas_after));
  }
}

void ShardOwnership::renew_due() {
  std::vector<ShardFence> due;
  {
    MutexLock lock(mutex_);
    due = owner_.renewals_due(clock_.now());
  }
  for (const ShardFence& fence : due) {
    if (worker_.stopping()) return;
    const Instant requested_at = clock_.now();
    auto outcome = store_.renew(fence.shard, options_.replica_id, fence.token, options_.timing.ttl);
    if (!outcome.ok()) {
      spdlog::warn("event=shard_renew_failed replica={} shard={} token={} error=\"{}\"",
                   options_.replica_id, fence.shard, fence.token, outcome.status().message());
      continue;
    }
    std::optional<OwnershipChange> change;
    {
      MutexLock lock(mutex_);
      change = owner_.renewed(fence, requested_at, *outcome);
    }
    if (change) announce(*change);
  }
}

void ShardOwnership::rebalance() {
  auto live = store_.live_replicas(options_.timing.ttl);
  if (!live.ok()) {
    spdlog::warn("event=replica_list_failed replica={} error=\"{}\"", options_.replica_id,
                 live.status().message());
    return;
  }
  auto table = store_.leases();
  if (!table.ok()) {
    spdlog::warn("event=lease_table_failed replica={} error=\"{}\"", options_.replica_id,
                 table.status().message());
    return;
  }
  cluster::RebalancePlan plan;
  {
    MutexLock lock(mutex_);
    plan = owner_.plan(*table, *live, options_.max_releases);
  }
  // Stop acting first, then tell the store: the next owner must never find
  // this replica still at work on the shard.
  for (int shard : plan.release) {
    std::optional<OwnershipChange> change;
    {
      MutexLock lock(mutex_);
      change = owner_.released(shard, OwnershipReason::kRebalance);
    }
    if (!change) continue;
    announce(*change);
    if (Status s = store_.release(shard, options_.replica_id, change->fence.token); !s.ok()) {
      spdlog::warn("event=shard_release_failed replica={} shard={} token={} error=\"{}\"",
                   options_.replica_id, shard, change->fence.token, s.message());
    }
  }
  for (int shard : plan.acquire) {
    if (worker_.stopping()) return;
    const Instant requested_at = clock_.now();
    auto token = store_.try_acquire(shard, options_.replica_id, options_.timing.ttl);
    if (!token.ok()) {
      spdlog::warn("event=shard_acquire_failed replica={} shard={} error=\"{}\"",
                   options_.replica_id, shard, token.status().message());
      continue;
    }
    if (!token->has_value()) continue;  // another replica was quicker
    std::vector<OwnershipChange> changes;
    {
      MutexLock lock(mutex_);
      changes = owner_.acquired({shard, **token}, requested_at);
    }
    for (const auto& change : changes) announce(change);
  }
}

void ShardOwnership::announce(const OwnershipChange& change) const {
  if (change.fence.shard == cluster::kSingletonLease) {
    spdlog::info("event=singletons_owner_changed replica={} token={} change={} reason={}",
                 options_.replica_id, change.fence.token, change.gained ? "gained" : "lost",
                 cluster::ownership_reason_name(change.reason));
  } else {
    spdlog::info("event=shard_owner_changed replica={} shard={} token={} change={} reason={}",
                 options_.replica_id, change.fence.shard, change.fence.token,
                 change.gained ? "gained" : "lost", cluster::ownership_reason_name(change.reason));
  }
  if (!listener_) return;
  try {
    listener_(change);
  } catch (const std::exception& e) {
    spdlog::error("event=shard_listener_failed replica={} shard={} error=\"{}\"",
                  options_.replica_id, change.fence.shard, e.what());
  }
}

}  // namespace tierd
