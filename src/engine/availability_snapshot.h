// Who can receive forwarded tickets, as last read from the helpdesk: what
// the availability refresher (availability.h) hands the engine, and, when
// replicas share a store, what the replica holding the singletons' lease
// stores for the others under kAvailabilitySnapshotKey.
//
// Stored form (JSON): {"members": {"<group id>": [user ids...]}, "away": [user ids...]}.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/ticket.h"

namespace tierd {

struct AvailabilitySnapshot {
  std::map<GroupId, std::set<UserId>> members;  // per watched group
  std::set<UserId> away;                        // watched users marked away or deactivated
  friend bool operator==(const AvailabilitySnapshot&, const AvailabilitySnapshot&) = default;
};

// The meta key of the stored snapshot.
inline constexpr const char* kAvailabilitySnapshotKey = "availability.snapshot";

std::string availability_snapshot_json(const AvailabilitySnapshot& snapshot);
// kInvalidArgument, saying what is wrong, for anything but the stored form.
Result<AvailabilitySnapshot> parse_availability_snapshot(std::string_view json);

}  // namespace tierd
