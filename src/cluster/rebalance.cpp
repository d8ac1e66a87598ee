#include "cluster/rebalance.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace tierd::cluster {

int fair_share(int shards, int live_replicas) {
  if (shards < 1 || live_replicas < 1) return 0;
  return (shards + live_replicas - 1) / live_replicas;
}

namespace {

// `first`: a unit every replica prefers to all others (the singletons'), or -1.
RebalancePlan plan_units(const RebalanceInput& input, int first) {
  RebalancePlan plan;
  if (input.shards < 1) return plan;

  std::vector<std::string> live = input.live;
  live.push_back(input.self);
  std::sort(live.begin(), live.end());
  live.erase(std::unique(live.begin(), live.end()), live.end());
  const int n = static_cast<int>(live.size());
  const int self_index =
      static_cast<int>(std::lower_bound(live.begin(), live.end(), input.self) - live.begin());
  plan.fair_share = fair_share(input.shards, n);

  // The current holder of each shard; "" when free.
  std::vector<std::string> holder(static_cast<size_t>(input.shards));
  for (const ShardLease& l : input.leases) {
    if (l.shard < 0 || l.shard >= input.shards) continue;
    if (l.owner.empty() || l.expires_at <= input.now) continue;
    holder[static_cast<size_t>(l.shard)] = l.owner;
  }
  std::map<std::string, int> held;
  std::vector<int> free;
  std::vector<int> mine;
  for (int s = 0; s < input.shards; ++s) {
    const std::string& h = holder[static_cast<size_t>(s)];
    if (h.empty()) {
      free.push_back(s);
    } else {
      ++held[h];
      if (h == input.self) mine.push_back(s);
    }
  }
  const int own = static_cast<int>(mine.size());

  // Home shards first, then the next replicas' homes in turn, lowest id first.
  auto preference = [&](int s) {
    return std::make_tuple(s == first ? -1 : ((s % n) - self_index + n) % n, s);
  };

  if (own < plan.fair_share) {
    std::sort(free.begin(), free.end(),
              [&](int a, int b) { return preference(a) < preference(b); });
    const size_t want = static_cast<size_t>(plan.fair_share - own);
    plan.acquire.assign(free.begin(),
                        free.begin() + static_cast<std::ptrdiff_t>(std::min(want, free.size())));
    return plan;
  }
  if (own <= plan.fair_share) return plan;

  // Always so when this replica is above its share (the others then hold
  // fewer than their shares together), but a release is meant for a replica
  // that is short, so say it.
  const bool another_short = std::any_of(live.begin(), live.end(), [&](const std::string& r) {
    auto it = held.find(r);
    return r != input.self && (it == held.end() ? 0 : it->second) < plan.fair_share;
  });
  if (!another_short) return plan;
  const int give = std::min(own - plan.fair_share, std::max(1, input.max_releases));
  // Least preferred first: shards far from home go back before home shards.
  std::sort(mine.begin(), mine.end(), [&](int a, int b) { return preference(a) > preference(b); });
  plan.release.assign(mine.begin(), mine.begin() + give);
  return plan;
}

}  // namespace

RebalancePlan plan_rebalance(const RebalanceInput& input) {
  if (!input.singletons || input.shards < 1) {
    RebalanceInput shards_only = input;
    shards_only.singletons = false;
    return plan_units(shards_only, -1);
  }
  // The singletons' lease becomes unit number `shards`; a row that really has
  // that number belongs to a deployment with more shards and is ignored, as
  // plan_units() ignores every shard out of range.
  const int singleton_unit = input.shards;
  RebalanceInput units = input;
  units.singletons = false;
  units.shards = input.shards + 1;
  for (ShardLease& lease : units.leases) {
    if (lease.shard == singleton_unit) {
      lease.shard = -2;
    } else if (lease.shard == kSingletonLease) {
      lease.shard = singleton_unit;
    }
  }
  RebalancePlan plan = plan_units(units, singleton_unit);
  // Free, it is asked for even by a replica at its share: a replica that
  // shut down still counts as live until its heartbeat ages out, and the
  // work must not wait for that. The lease store lets one replica have it.
  const bool singletons_free =
      std::none_of(units.leases.begin(), units.leases.end(), [&](const ShardLease& l) {
        return l.shard == singleton_unit && !l.owner.empty() && l.expires_at > input.now;
      });
  if (singletons_free &&
      std::find(plan.acquire.begin(), plan.acquire.end(), singleton_unit) == plan.acquire.end()) {
    plan.acquire.insert(plan.acquire.begin(), singleton_unit);
  }
  for (std::vector<int>* list : {&plan.acquire, &plan.release}) {
    for (int& unit : *list) {
      if (unit == singleton_unit) unit = kSingletonLease;
    }
  }
  return plan;
}

}  // namespace tierd::cluster
