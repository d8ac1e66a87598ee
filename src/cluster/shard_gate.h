// ShardGate: what the engine and the outbox sender ask of shard ownership
// when replicas share one store (replica/shard_ownership.h answers).
//
// Both read owned() at the start of every round of work and act only on the
// tickets of those shards, each write carrying its shard's fence
// (lease.h), so the store refuses it once another replica took the shard
// over. A single process (SQLite, or PostgreSQL without a cluster section)
// has no gate and acts on every ticket unfenced.
#pragma once

#include <map>
#include <optional>

#include "cluster/lease.h"
#include "cluster/shard_map.h"
#include "core/ticket.h"

namespace tierd::cluster {

class ShardGate {
 public:
  virtual ~ShardGate() = default;
  // The deployment's shard count, the same on every replica.
  virtual int shards() const = 0;
  // The shards this replica may act on now, with their fencing tokens. A
  // shard whose renewal is overdue by this process's clock is left out even
  // before another replica takes it.
  virtual std::map<int, LeaseToken> owned() const = 0;
  // Whether `shard` may be acted on now: asked again right before a request
  // leaves for the helpdesk, so that a process paused after reading owned()
  // does not send on a shard it lost meanwhile.
  virtual bool may_act(int shard) const = 0;
};

// `owned` less the shards whose token the store refused (`fenced`). A fenced
// entry is forgotten once the gate no longer names its shard or names it with
// another token (given up, or held again under a new tenure).
inline std::map<int, LeaseToken> without_fenced(std::map<int, LeaseToken> owned,
                                                std::map<int, LeaseToken>& fenced) {
  for (auto it = fenced.begin(); it != fenced.end();) {
    auto held = owned.find(it->first);
    if (held == owned.end() || held->second != it->second) {
      it = fenced.erase(it);
    } else {
      owned.erase(held);
      ++it;
    }
  }
  return owned;
}

// The shards a gate's owned() names, as a scope for the store's queries.
inline ShardScope scope_of(int shards, const std::map<int, LeaseToken>& owned) {
  std::vector<int> ids;
  ids.reserve(owned.size());
  for (const auto& entry : owned) ids.push_back(entry.first);
  return ShardScope::only(shards, std::move(ids));
}

// The fence a write on `ticket` carries, or nullopt when its shard is not owned.
inline std::optional<ShardFence> fence_for(TicketId ticket, int shards,
                                           const std::map<int, LeaseToken>& owned) {
  const int shard = shard_of(ticket, shards);
  auto it = owned.find(shard);
  if (it == owned.end()) return std::nullopt;
  return ShardFence{shard, it->second};
}

}  // namespace tierd::cluster
