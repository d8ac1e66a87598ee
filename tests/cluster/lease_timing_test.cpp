#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "cluster/lease_timing.h"

using namespace tierd;
using namespace tierd::cluster;
using namespace std::chrono_literals;

namespace {

// A steady-clock reading; its epoch means nothing.
Instant steady(Duration since_boot) {
  return Instant(since_boot);
}

}  // namespace

TEST_CASE("a holder acts until ttl minus the margin after it sent its request", "[cluster]") {
  LeaseTiming timing = default_lease_timing(15s);
  CHECK(timing.safety_margin == 3s);
  CHECK(timing.renew_every() == 5s);

  HeldLease held({7, 12}, steady(100s), timing);
  CHECK(held.fence() == ShardFence{7, 12});
  CHECK(held.act_until() == steady(112s));
  CHECK(held.may_act(steady(100s)));
  CHECK(held.may_act(steady(111999ms)));
  CHECK_FALSE(held.may_act(steady(112s)));
  CHECK_FALSE(held.may_act(steady(200s)));

  CHECK(held.renew_at() == steady(105s));
  CHECK_FALSE(held.renewal_due(steady(104999ms)));
  CHECK(held.renewal_due(steady(105s)));
}

TEST_CASE("a renewal counts from the moment its request was sent", "[cluster]") {
  HeldLease held({0, 1}, steady(0s), default_lease_timing(15s));
  held.renewed(steady(5s));
  CHECK(held.act_until() == steady(17s));
  CHECK(held.renew_at() == steady(10s));
  CHECK(held.may_act(steady(16s)));

  // The late answer to an earlier request does not shorten the tenure.
  held.renewed(steady(4s));
  CHECK(held.act_until() == steady(17s));
}

TEST_CASE(
    "on a virtual clock, renewing every ttl/3 keeps a holder acting through one lost "
    "renewal but not through two",
    "[cluster]") {
  const LeaseTiming timing = default_lease_timing(15s);
  HeldLease held({3, 9}, steady(0s), timing);
  // A holder tries when a renewal is due and, after a failure, again one
  // interval later. Tries 3, 5 and 6 fail.
  Instant next_try = held.renew_at();
  int tries = 0;
  std::optional<Instant> stopped_at;
  for (Instant now = steady(0s); now < steady(60s); now += 100ms) {
    if (!held.may_act(now)) {
      stopped_at = now;
      break;
    }
    if (now < next_try) continue;
    ++tries;
    if (tries == 3 || tries >= 5) {
      next_try = now + timing.renew_every();
      continue;
    }
    held.renewed(now);
    next_try = held.renew_at();
  }
  // Tries at 5 s and 10 s renew; the one at 15 s fails, leaving the holder
  // until 10 + 12 = 22 s; the one at 20 s renews in time (until 32 s); those
  // at 25 s and 30 s fail, so the holder stops at 32 s.
  REQUIRE(stopped_at);
  CHECK(*stopped_at == steady(32s));
  CHECK(tries == 6);
}

TEST_CASE("the default timing leaves two renewals before a holder must stop", "[cluster]") {
  for (Duration ttl : std::vector<Duration>{30ms, 1s, 15s, 60s, 10min}) {
    INFO("ttl " << ttl.count() << "ms");
    LeaseTiming t = default_lease_timing(ttl);
    REQUIRE(make_lease_timing(t.ttl, t.safety_margin).ok());
    CHECK(2 * t.renew_every() < t.ttl - t.safety_margin);
  }
}

TEST_CASE("lease timings that leave no renewal or no margin are refused", "[cluster]") {
  CHECK(make_lease_timing(15s, 3s).ok());
  CHECK(make_lease_timing(15s, 9999ms).ok());

  auto too_wide = make_lease_timing(15s, 10s);
  REQUIRE_FALSE(too_wide.ok());
  CHECK(too_wide.status().code() == StatusCode::kInvalidArgument);
  CHECK(too_wide.status().message().find("leaves no renewal") != std::string::npos);

  auto none = make_lease_timing(15s, 0s);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("must be positive") != std::string::npos);

  auto short_ttl = make_lease_timing(Duration(2), Duration(1));
  REQUIRE_FALSE(short_ttl.ok());
  CHECK(short_ttl.status().message().find("too short") != std::string::npos);
}
