// Which shard a ticket belongs to, and sets of shards.
//
// shard_of() must give the same answer on every replica, on every platform and
// in every release, and in the store's SQL: replicas running different builds
// side by side during an upgrade must agree on who owns a ticket, and a
// replica asks the database for its own shards' rows. It is therefore the
// ticket id modulo the shard count, which SQLite and PostgreSQL compute the
// same way (ShardScope's SQL below). A helpdesk numbers its tickets
// consecutively, so the remainder spreads them evenly. Changing the shard
// count moves tickets between shards; that needs every replica stopped first.
#pragma once

#include <string>
#include <vector>

#include "core/ticket.h"

namespace tierd::cluster {

// The shard of `ticket` among `shards` (>= 1): a value in [0, shards), also
// for negative ids. Returns 0 when `shards` < 1.
int shard_of(TicketId ticket, int shards);

// The shards whose rows a query reads: every shard (one process owns the
// store, or a report), or the ones a replica owns.
struct ShardScope {
  bool all_shards = true;
  int shards = 1;          // the deployment's shard count (>= 1)
  std::vector<int> owned;  // sorted, unique, each in [0, shards); unused when all_shards

  // Every ticket, whatever the shard count.
  static ShardScope all() { return {}; }
  // The shards in `owned` (out-of-range values dropped) among `shards`;
  // an empty `owned` contains no ticket.
  static ShardScope only(int shards, std::vector<int> owned);

  bool contains(TicketId ticket) const;
  // `owned` as a JSON array ("[0,5,9]"), the form the stores' SQL reads.
  std::string owned_json() const;
};

}  // namespace tierd::cluster
