#include "cluster/fence_status.h"

#include <cstdio>
#include <string>

namespace tierd::cluster {

Status fenced_status(const ShardFence& fence) {
  return Status(StatusCode::kFenced, "shard " + std::to_string(fence.shard) + " token " +
                                         std::to_string(fence.token) + " is no longer ours");
}

std::optional<ShardFence> refused_fence(const Status& status) {
  if (status.code() != StatusCode::kFenced) return std::nullopt;
  int shard = 0;
  long long token = 0;
  // The store may add context after the fence; the prefix is fenced_status()'s.
  if (std::sscanf(status.message().c_str(), "shard %d token %lld", &shard, &token) != 2) {
    return std::nullopt;
  }
  return ShardFence{shard, static_cast<LeaseToken>(token)};
}

}  // namespace tierd::cluster
