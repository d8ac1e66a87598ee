#include "cluster/shard_map.h"

#include <algorithm>
#include <string>
#include <utility>

namespace tierd::cluster {

int shard_of(TicketId ticket, int shards) {
  if (shards < 1) return 0;
  // C++ and SQL keep the dividend's sign in %; adding the divisor once
  // folds a negative remainder into [0, shards) the same way in both.
  return static_cast<int>(((ticket % shards) + shards) % shards);
}

ShardScope ShardScope::only(int shards, std::vector<int> owned) {
  ShardScope scope;
  scope.all_shards = false;
  scope.shards = std::max(shards, 1);
  std::erase_if(owned, [&](int s) { return s < 0 || s >= scope.shards; });
  std::sort(owned.begin(), owned.end());
  owned.erase(std::unique(owned.begin(), owned.end()), owned.end());
  scope.owned = std::move(owned);
  return scope;
}

bool ShardScope::contains(TicketId ticket) const {
  if (all_shards) return true;
  return std::binary_search(owned.begin(), owned.end(), shard_of(ticket, shards));
}

std::string ShardScope::owned_json() const {
  std::string out = "[";
  for (size_t i = 0; i < owned.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(owned[i]);
  }
  return out + "]";
}

}  // namespace tierd::cluster
