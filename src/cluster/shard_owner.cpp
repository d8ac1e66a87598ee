#include "cluster/shard_owner.h"

#include <algorithm>
#include <utility>

namespace tierd::cluster {

const char* ownership_reason_name(OwnershipReason reason) {
  switch (reason) {
    case OwnershipReason::kAcquired:
      return "acquired";
    case OwnershipReason::kRebalance:
      return "rebalance";
    case OwnershipReason::kTakenOver:
      return "taken_over";
    case OwnershipReason::kExpired:
      return "expired";
    case OwnershipReason::kShutdown:
      return "shutdown";
  }
  return "acquired";
}

ShardOwner::ShardOwner(std::string self, int shards, LeaseTiming timing, bool singletons)
    : self_(std::move(self)), shards_(shards), timing_(timing), singletons_(singletons) {}

std::map<int, LeaseToken> ShardOwner::owned() const {
  std::map<int, LeaseToken> out;
  for (const auto& [shard, lease] : held_) out.emplace(shard, lease.fence().token);
  return out;
}

bool ShardOwner::may_act(int shard, Instant now) const {
  auto it = held_.find(shard);
  return it != held_.end() && it->second.may_act(now);
}

std::optional<Instant> ShardOwner::next_deadline() const {
  std::optional<Instant> next;
  for (const auto& [shard, lease] : held_) {
    const Instant soonest = std::min(lease.act_until(), lease.renew_at());
    if (!next || soonest < *next) next = soonest;
  }
  return next;
}

std::vector<ShardFence> ShardOwner::renewals_due(Instant now) const {
  std::vector<ShardFence> due;
  for (const auto& [shard, lease] : held_) {
    if (lease.renewal_due(now) && lease.may_act(now)) due.push_back(lease.fence());
  }
  return due;
}

std::optional<OwnershipChange> ShardOwner::renewed(const ShardFence& fence, Instant requested_at,
                                                   RenewOutcome outcome) {
  auto it = held_.find(fence.shard);
  if (it == held_.end() || it->second.fence() != fence) return std::nullopt;
  if (outcome == RenewOutcome::kRenewed) {
    it->second.renewed(requested_at);
    return std::nullopt;
  }
  held_.erase(it);
  return OwnershipChange{false, fence, OwnershipReason::kTakenOver};
}

std::vector<OwnershipChange> ShardOwner::expire(Instant now) {
  std::vector<OwnershipChange> lost;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.may_act(now)) {
      ++it;
      continue;
    }
    lost.push_back({false, it->second.fence(), OwnershipReason::kExpired});
    it = held_.erase(it);
  }
  return lost;
}

RebalancePlan ShardOwner::plan(const LeaseTable& table, const std::vector<std::string>& live,
                               int max_releases) const {
  RebalanceInput input;
  input.self = self_;
  input.live = live;
  input.now = table.now;
  input.shards = shards_;
  input.max_releases = max_releases;
  input.singletons = singletons_;
  input.leases = table.leases;
  for (ShardLease& lease : input.leases) {
    if (lease.owner != self_) continue;
    auto it = held_.find(lease.shard);
    if (it == held_.end() || it->second.fence().token != lease.token) lease.owner.clear();
  }
  return plan_rebalance(input);
}

std::vector<OwnershipChange> ShardOwner::acquired(const ShardFence& fence, Instant requested_at) {
  std::vector<OwnershipChange> changes;
  auto it = held_.find(fence.shard);
  if (it != held_.end()) {
    if (it->second.fence() == fence) return changes;
    changes.push_back({false, it->second.fence(), OwnershipReason::kTakenOver});
    held_.erase(it);
  }
  held_.emplace(fence.shard, HeldLease(fence, requested_at, timing_));
  changes.push_back({true, fence, OwnershipReason::kAcquired});
  return changes;
}

std::optional<OwnershipChange> ShardOwner::released(int shard, OwnershipReason reason) {
  auto it = held_.find(shard);
  if (it == held_.end()) return std::nullopt;
  OwnershipChange change{false, it->second.fence(), reason};
  held_.erase(it);
  return change;
}

std::vector<ShardFence> ShardOwner::held() const {
  std::vector<ShardFence> out;
  for (const auto& [shard, lease] : held_) out.push_back(lease.fence());
  return out;
}

}  // namespace tierd::cluster
