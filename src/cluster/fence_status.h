// The kFenced Status a store returns for a write whose fence no longer holds,
// and the fence read back from it: the engine and the sender stop acting on
// exactly the shard the store named, and keep acting on the others.
#pragma once

#include <optional>

#include "cluster/lease.h"
#include "core/status.h"

namespace tierd::cluster {

// kFenced, naming `fence`'s shard and token.
Status fenced_status(const ShardFence& fence);
// The fence a fenced_status() names; nullopt for any other Status.
std::optional<ShardFence> refused_fence(const Status& status);

}  // namespace tierd::cluster
