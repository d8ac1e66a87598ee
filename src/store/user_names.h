// The helpdesk users' names tierd has read, cached in the store so that the
// status page and the offline tools (`tierd report`) show agents by name.
//
// The cache is one JSON document under the meta key "user_names" (no table
// of its own: it holds the few hundred agents and reviewers tierd has seen,
// read again about once a day). The daemon's UserDirectory
// (engine/user_directory.h) writes it; anything may read it, a store opened
// read-only included. An id the helpdesk did not return is kept with an
// empty name, so that it is not asked for again before the next refresh.
//
// Threads: any; each call is one store read or write.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"
#include "store/store.h"

namespace tierd {

struct CachedUser {
  std::string name;  // empty: the helpdesk had no such user
  std::string role;  // "agent", "admin", "end-user"
  Instant read_at{};
  bool operator==(const CachedUser&) const = default;
};

using UserNameCache = std::map<UserId, CachedUser>;

// The cache as stored; empty when nothing was stored yet. A document that
// does not parse reads as empty (the cache is rebuilt from the helpdesk).
Result<UserNameCache> read_user_names(Store& store);
Status write_user_names(Store& store, const UserNameCache& users);

// The names alone, for display: users without a name are left out.
std::map<UserId, std::string> names_of(const UserNameCache& users);

}  // namespace tierd
