#include "cluster/lease_timing.h"

#include <algorithm>

namespace tierd::cluster {

Result<LeaseTiming> make_lease_timing(Duration ttl, Duration safety_margin) {
  if (ttl < Duration(3)) {
    return Status::InvalidArgument("cluster: lease ttl " + format_duration(ttl) +
                                   " is too short (at least 3ms)");
  }
  if (safety_margin <= Duration(0)) {
    return Status::InvalidArgument("cluster: the lease safety margin must be positive");
  }
  LeaseTiming timing{ttl, safety_margin};
  if (ttl - safety_margin <= timing.renew_every()) {
    return Status::InvalidArgument(
        "cluster: a lease safety margin of " + format_duration(safety_margin) +
        " leaves no renewal before the holder must stop (ttl " + format_duration(ttl) +
        ", renewed every " + format_duration(timing.renew_every()) + ")");
  }
  return timing;
}

LeaseTiming default_lease_timing(Duration ttl) {
  return {ttl, std::max(Duration(1), ttl / 5)};
}

void HeldLease::renewed(Instant requested_at) {
  requested_at_ = std::max(requested_at_, requested_at);
}

}  // namespace tierd::cluster
