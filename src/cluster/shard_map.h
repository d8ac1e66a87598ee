// Which shard a ticket belongs to.
//
// shard_of() must give the same answer on every replica, on every platform and
// in every release: replicas running different builds side by side during an
// upgrade must agree on who owns a ticket. It therefore uses a fixed integer
// mix (the SplitMix64 finaliser) and never std::hash, whose values the standard
// leaves to each library. Changing the function or the shard count moves
// tickets between shards; that needs every replica stopped first.
#pragma once

#include "core/ticket.h"

namespace tierd::cluster {

// The shard of `ticket` among `shards` (>= 1): a value in [0, shards). The
// ids of one helpdesk are mostly consecutive; the mix spreads them evenly.
// Returns 0 when `shards` < 1.
int shard_of(TicketId ticket, int shards);

}  // namespace tierd::cluster
