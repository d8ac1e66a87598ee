#include "cli/cluster_status.h"

#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>

namespace tierd {
namespace {

// Seconds with one decimal: lease times are seconds long, and a tenth tells
// a renewal that is due from one that is late.
std::string seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return text;
}

std::string plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// One lease row's holder, token and expiry (or why it is free) and a
// newline; returns the holder while the lease is live, else "".
std::string describe_lease(const cluster::ShardLease* lease, Instant now, std::ostream& out) {
  if (lease == nullptr) {
    out << "-  free (never leased)\n";
    return "";
  }
  if (lease->owner.empty()) {
    out << "-  free (released, last token " << lease->token << ")\n";
    return "";
  }
  out << lease->owner << "  token " << lease->token << "  ";
  if (lease->expires_at > now) {
    out << "expires in " << seconds(lease->expires_at - now) << "\n";
    return lease->owner;
  }
  out << "free (expired " << seconds(now - lease->expires_at) << " ago)\n";
  return "";
}

}  // namespace

std::string format_cluster_status(const cluster::ReplicaTable& replicas,
                                  const cluster::LeaseTable& leases, int shards,
                                  Duration live_within) {
  std::ostringstream out;
  out << "replicas (live: a heartbeat within " << format_duration(live_within) << "):\n";
  if (replicas.replicas.empty()) out << "  none has started\n";
  std::map<std::string, size_t> owned_by;  // every known replica, with its count
  for (const auto& replica : replicas.replicas) {
    const Duration age = replicas.now - replica.heartbeat_at;
    owned_by[replica.id] = 0;
    out << "  " << replica.id << "  heartbeat " << seconds(age) << " ago  "
        << (age <= live_within ? "live" : "not live") << "\n";
  }

  std::map<int, cluster::ShardLease> rows;
  for (const auto& lease : leases.leases) rows.emplace(lease.shard, lease);
  out << "shards (" << shards << "):\n";
  size_t unowned = 0;
  for (int shard = 0; shard < shards; ++shard) {
    out << "  " << shard << "  ";
    auto row = rows.find(shard);
    const std::string holder =
        describe_lease(row == rows.end() ? nullptr : &row->second, leases.now, out);
    if (holder.empty()) {
      ++unowned;
    } else {
      ++owned_by[holder];
    }
  }
  out << "singletons: ";
  auto singletons = rows.find(cluster::kSingletonLease);
  describe_lease(singletons == rows.end() ? nullptr : &singletons->second, leases.now, out);

  out << "summary: ";
  bool first = true;
  for (const auto& [replica, count] : owned_by) {
    out << (first ? "" : ", ") << replica << " " << plural(count, "shard", "shards");
    first = false;
  }
  out << (first ? "" : "; ") << unowned << " unowned\n";
  return out.str();
}

}  // namespace tierd
