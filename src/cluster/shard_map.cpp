#include "cluster/shard_map.h"

#include <cstdint>

namespace tierd::cluster {
namespace {

// SplitMix64's finaliser (Steele, Lea and Flood, 2014): a bijection on 64-bit
// values in which every input bit affects every output bit. Fixed forever; see
// shard_map.h.
uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

int shard_of(TicketId ticket, int shards) {
  if (shards < 1) return 0;
  return static_cast<int>(mix64(static_cast<uint64_t>(ticket)) % static_cast<uint64_t>(shards));
}

}  // namespace tierd::cluster
