// How long a replica may act on a shard it leased, counted on its own
// monotonic clock.
//
// The lease store grants a lease until the database's now() + ttl; a replica
// cannot read that clock, and its own wall clock may be skewed. So the holder
// counts from the moment it *sent* the successful acquire or renew request, on
// its steady clock (runtime SteadyClock): the database's now() at the grant is
// no earlier than that moment, so the lease outlives
// requested_at + ttl on any clock that runs at the database's rate. It then
// stops acting a safety margin before that:
//
//   act_until = requested_at + ttl - safety_margin
//
// The margin covers what the count above leaves out:
//   - clock rates: two NTP-disciplined clocks drift apart by at most 500 ppm,
//     under 10 ms over a 15 s lease;
//   - work already started at act_until: a write to the store is fenced by its
//     token and needs no margin, but a vendor write in flight is not, so the
//     margin must exceed the longest such request a holder starts (its
//     timeout) plus a scheduling pause.
// default_lease_timing() uses ttl / 5 (3 s for a 15 s lease). Renewals happen
// every ttl / 3, so a holder whose renewal fails once still renews once more
// before it must stop (renew at ttl/3 and 2ttl/3, stop at 4ttl/5).
#pragma once

#include "cluster/lease.h"
#include "core/status.h"
#include "core/time.h"

namespace tierd::cluster {

struct LeaseTiming {
  Duration ttl{};            // the lease length asked of the lease store
  Duration safety_margin{};  // see above

  Duration renew_every() const { return ttl / 3; }
};

// Checks the pair: ttl >= 3 ms (so a renewal interval exists), 0 < margin,
// and ttl - margin > ttl / 3 (a holder renews at least once before it must
// stop). InvalidArgument says which rule failed.
Result<LeaseTiming> make_lease_timing(Duration ttl, Duration safety_margin);

// The margin ttl / 5 (see above).
LeaseTiming default_lease_timing(Duration ttl);

// One tenure of a shard as its holder counts it. Instants are on the holder's
// steady clock.
class HeldLease {
 public:
  // `requested_at`: when the acquire request that returned `fence.token` was sent.
  HeldLease(ShardFence fence, Instant requested_at, LeaseTiming timing)
      : fence_(fence), requested_at_(requested_at), timing_(timing) {}

  const ShardFence& fence() const { return fence_; }

  // A renew request sent at `requested_at` succeeded. An answer to an older
  // request than one already counted changes nothing.
  void renewed(Instant requested_at);

  // The first instant at which the holder must no longer act on the shard.
  Instant act_until() const { return requested_at_ + timing_.ttl - timing_.safety_margin; }
  bool may_act(Instant now) const { return now < act_until(); }

  Instant renew_at() const { return requested_at_ + timing_.renew_every(); }
  bool renewal_due(Instant now) const { return now >= renew_at(); }

 private:
  ShardFence fence_;
  Instant requested_at_;
  LeaseTiming timing_;
};

}  // namespace tierd::cluster
