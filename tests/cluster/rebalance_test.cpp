#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cluster/rebalance.h"

using namespace tierd;
using namespace tierd::cluster;
using namespace std::chrono_literals;
using Shards = std::vector<int>;

namespace {

const Instant kNow = from_unix_ms(1'700'000'000'000);

ShardLease held_by(int shard, const std::string& owner, Instant expires_at = kNow + 10s) {
  return {shard, owner, 1, expires_at};
}

RebalancePlan plan_for(const std::string& self, std::vector<std::string> live,
                       std::vector<ShardLease> leases, int shards, int max_releases = 2) {
  return plan_rebalance({.self = self,
                         .live = std::move(live),
                         .leases = std::move(leases),
                         .now = kNow,
                         .shards = shards,
                         .max_releases = max_releases});
}

// Leases where replica i of `owners` holds counts[i] shards, in shard order.
std::vector<ShardLease> spread(const std::vector<std::string>& owners,
                               const std::vector<int>& counts) {
  std::vector<ShardLease> leases;
  int shard = 0;
  for (size_t i = 0; i < owners.size(); ++i) {
    for (int k = 0; k < counts[i]; ++k) leases.push_back(held_by(shard++, owners[i]));
  }
  return leases;
}

// A lease table the replicas plan against round after round, as they would
// against the lease store: each applies its plan in turn, an acquisition
// succeeds only if the shard is still free, and a lease lasts until it is
// released or its owner leaves (its lease then lapses at `expire_dead()`).
class SimulatedTable {
 public:
  SimulatedTable(int shards, std::vector<std::string> live)
      : shards_(shards), live_(std::move(live)) {}

  void give(int shard, const std::string& owner) { owner_[shard] = owner; }
  void join(const std::string& r) { live_.push_back(r); }
  void leave(const std::string& r) { live_.erase(std::find(live_.begin(), live_.end(), r)); }
  // Leases of replicas that are no longer live lapse.
  void expire_dead() {
    for (auto it = owner_.begin(); it != owner_.end();) {
      if (std::find(live_.begin(), live_.end(), it->second) == live_.end()) {
        it = owner_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::vector<ShardLease> leases() const {
    std::vector<ShardLease> out;
    for (const auto& [s, o] : owner_) out.push_back(held_by(s, o));
    return out;
  }
  int held(const std::string& r) const {
    return static_cast<int>(
        std::count_if(owner_.begin(), owner_.end(), [&](const auto& e) { return e.second == r; }));
  }
  RebalancePlan plan(const std::string& self) const {
    return plan_rebalance(
        {.self = self, .live = live_, .leases = leases(), .now = kNow, .shards = shards_});
  }

  // One round; returns whether anything changed. Checks on the way that no
  // replica at or below its share releases and none at or above it acquires.
  bool round() {
    bool changed = false;
    for (const std::string& r : live_) {
      const RebalancePlan p = plan(r);
      const int own = held(r);
      if (!p.release.empty()) {
        CHECK(own > p.fair_share);
        CHECK(static_cast<int>(p.release.size()) <= own - p.fair_share);
      }
      if (!p.acquire.empty()) {
        CHECK(own < p.fair_share);
        CHECK(static_cast<int>(p.acquire.size()) <= p.fair_share - own);
      }
      for (int s : p.release) {
        REQUIRE(owner_.at(s) == r);
        owner_.erase(s);
        changed = true;
      }
      for (int s : p.acquire) {
        if (owner_.count(s) != 0) continue;  // another replica won the race
        owner_[s] = r;
        changed = true;
      }
    }
    return changed;
  }

  // Runs rounds until nothing changes; returns how many changed something.
  int settle() {
    int rounds = 0;
    while (round()) {
      ++rounds;
      REQUIRE(rounds <= 2 * shards_ + 4);
    }
    return rounds;
  }

  // The settled state: every shard held by a live replica, none above its
  // share, and every plan empty.
  void check_balanced() const {
    CHECK(static_cast<int>(owner_.size()) == shards_);
    const int share = fair_share(shards_, static_cast<int>(live_.size()));
    for (const std::string& r : live_) {
      CHECK(held(r) <= share);
      const RebalancePlan p = plan(r);
      CHECK(p.acquire.empty());
      CHECK(p.release.empty());
    }
  }

 private:
  int shards_;
  std::vector<std::string> live_;
  std::map<int, std::string> owner_;
};

std::vector<std::string> replicas(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back("replica-" + std::string(1, static_cast<char>('a' + i)));
  return ids;
}

}  // namespace

TEST_CASE("the fair share is the shard count divided by the live replicas, rounded up",
          "[cluster]") {
  CHECK(fair_share(16, 1) == 16);
  CHECK(fair_share(16, 3) == 6);
  CHECK(fair_share(16, 4) == 4);
  CHECK(fair_share(3, 5) == 1);
  CHECK(fair_share(0, 2) == 0);
  CHECK(fair_share(8, 0) == 0);
}

TEST_CASE("a lone replica acquires every shard", "[cluster]") {
  RebalancePlan p = plan_for("a", {"a"}, {}, 8);
  CHECK(p.fair_share == 8);
  CHECK(p.acquire == Shards{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(p.release.empty());
}

TEST_CASE("replicas starting together ask for their home shards first", "[cluster]") {
  std::vector<std::string> live = {"a", "b", "c"};
  CHECK(plan_for("a", live, {}, 9).acquire == Shards{0, 3, 6});
  CHECK(plan_for("b", live, {}, 9).acquire == Shards{1, 4, 7});
  CHECK(plan_for("c", live, {}, 9).acquire == Shards{2, 5, 8});
  // With more shards than a share, the next replica's homes come next.
  CHECK(plan_for("c", live, {held_by(2, "c"), held_by(5, "c")}, 7).acquire == Shards{0});
}

TEST_CASE("a replica counts itself live even before its first heartbeat shows", "[cluster]") {
  RebalancePlan p = plan_for("b", {"a"}, spread({"a"}, {4}), 4);
  CHECK(p.fair_share == 2);
  CHECK(p.acquire.empty());  // nothing free yet
  RebalancePlan a = plan_for("a", {"a"}, spread({"a"}, {4}), 4);
  CHECK(a.fair_share == 4);  // a does not know of b yet: keeps all
  CHECK(a.release.empty());
}

TEST_CASE("when replicas join, the holder of everything gives shards up a few per round",
          "[cluster]") {
  std::vector<std::string> live = {"a", "b", "c"};
  auto leases = spread({"a"}, {8});
  RebalancePlan a = plan_for("a", live, leases, 8);
  CHECK(a.fair_share == 3);
  CHECK(a.acquire.empty());
  // Least preferred first: c's homes (5, 2), before b's and a's own (0, 3, 6).
  CHECK(a.release == Shards{5, 2});
  CHECK(plan_for("a", live, leases, 8, 5).release.size() == 5);
  CHECK(plan_for("b", live, leases, 8).acquire.empty());
  CHECK(plan_for("b", live, leases, 8).release.empty());
}

TEST_CASE("only a replica above its share gives shards up", "[cluster]") {
  std::vector<std::string> live = {"a", "b", "c"};
  // 10 shards, share 4: a is above it, c below. a gives up its least
  // preferred shard (2, the home of c).
  CHECK(plan_for("a", live, spread(live, {5, 4, 1}), 10).release == Shards{2});
  // At its share, a keeps all it holds although c is below.
  CHECK(plan_for("a", live, spread(live, {4, 4, 1}), 10).release.empty());
  // Two above their share both give up, never below it.
  CHECK(plan_for("a", live, spread(live, {6, 6, 0}), 12).release.size() == 2);
  CHECK(plan_for("b", live, spread(live, {5, 5, 0}), 10).release.size() == 1);
}

TEST_CASE("uneven counts below the share are stable", "[cluster]") {
  std::vector<std::string> live = {"a", "b", "c"};
  for (const std::vector<int>& counts : {std::vector<int>{4, 4, 2}, {4, 3, 3}, {2, 4, 4}}) {
    auto leases = spread(live, counts);
    for (const std::string& r : live) {
      INFO(r << " of " << counts[0] << "/" << counts[1] << "/" << counts[2]);
      CHECK(plan_for(r, live, leases, 10) == RebalancePlan{4, {}, {}});
    }
  }
  // 4 shards, 3 replicas: c idles, as the share (2) allows.
  auto leases = spread(live, {2, 2, 0});
  for (const std::string& r : live) CHECK(plan_for(r, live, leases, 4).release.empty());
  CHECK(plan_for("c", live, leases, 4).acquire.empty());
}

TEST_CASE("expired and released leases are free, also the replica's own", "[cluster]") {
  std::vector<ShardLease> leases = {
      held_by(0, "a"),
      held_by(1, "a", kNow),       // expires now: free
      held_by(2, "b", kNow - 1s),  // expired
      {3, "", 5, kNow + 1h},       // released
      held_by(4, "b"),
  };
  RebalancePlan a = plan_for("a", {"a", "b"}, leases, 6);
  CHECK(a.fair_share == 3);
  CHECK(a.acquire == Shards{2, 1});  // homes first (0, 2, 4), then 1, 3, 5
  CHECK(plan_for("b", {"a", "b"}, leases, 6).acquire == Shards{1, 3});
}

TEST_CASE("a departed replica's live leases are waited out, not taken", "[cluster]") {
  // c left; its two leases have not expired.
  auto leases = spread({"a", "b", "c"}, {3, 3, 2});
  RebalancePlan a = plan_for("a", {"a", "b"}, leases, 8);
  CHECK(a.fair_share == 4);
  CHECK(a.acquire.empty());
  // Once they expire, both survivors take one.
  leases[6].expires_at = kNow - 1ms;
  leases[7].expires_at = kNow - 1ms;
  CHECK(plan_for("a", {"a", "b"}, leases, 8).acquire == Shards{6});
  CHECK(plan_for("b", {"a", "b"}, leases, 8).acquire == Shards{7});
}

TEST_CASE("leases of shards beyond the shard count are ignored", "[cluster]") {
  RebalancePlan p = plan_for("a", {"a"}, {held_by(0, "a"), held_by(9, "a")}, 2);
  CHECK(p.acquire == Shards{1});
  CHECK(p.release.empty());
}

TEST_CASE("rounds of plans balance 1 to 3 replicas and then stay put", "[cluster]") {
  SimulatedTable table(16, {"a"});
  table.settle();
  CHECK(table.held("a") == 16);
  table.check_balanced();

  table.join("b");
  table.join("c");
  table.settle();
  CHECK(table.held("a") == 6);
  CHECK(table.held("b") + table.held("c") == 10);
  table.check_balanced();
  CHECK_FALSE(table.round());
}

TEST_CASE("rounds of plans rebalance after a replica leaves and its leases lapse", "[cluster]") {
  SimulatedTable table(10, {"a", "b", "c"});
  table.settle();
  table.check_balanced();
  table.leave("b");
  CHECK_FALSE(table.round());  // b's leases still run
  table.expire_dead();
  table.settle();
  CHECK(table.held("a") == 5);
  CHECK(table.held("c") == 5);
  table.check_balanced();
}

TEST_CASE("from any start, rounds of plans reach a stable balance", "[cluster]") {
  std::mt19937 random(20261128);
  for (int shards = 1; shards <= 12; ++shards) {
    for (int n = 1; n <= 5; ++n) {
      for (int start = 0; start < 20; ++start) {
        INFO("shards " << shards << ", replicas " << n << ", start " << start);
        auto live = replicas(n);
        SimulatedTable table(shards, live);
        // A random table: each shard free or held by a live replica or by
        // one that has left (its lease lapses before the second settling).
        live.emplace_back("replica-gone");
        for (int s = 0; s < shards; ++s) {
          auto pick = std::uniform_int_distribution<int>(0, n + 1)(random);
          if (pick <= n) table.give(s, live[static_cast<size_t>(pick)]);
        }
        table.settle();
        table.expire_dead();
        table.settle();
        table.check_balanced();
      }
    }
  }
}

namespace {

RebalancePlan plan_with_singletons(const std::string& self, std::vector<std::string> live,
                                   std::vector<ShardLease> leases, int shards) {
  return plan_rebalance({.self = self,
                         .live = std::move(live),
                         .leases = std::move(leases),
                         .now = kNow,
                         .shards = shards,
                         .singletons = true});
}

// Rounds of plans over shards 0..shards-1 and the singletons' lease, as
// SimulatedTable does for shards alone; returns the settled owners.
std::map<int, std::string> settle_with_singletons(int shards, const std::vector<std::string>& live,
                                                  std::map<int, std::string> owner) {
  for (int round = 0; round <= 2 * shards + 6; ++round) {
    bool changed = false;
    for (const std::string& r : live) {
      std::vector<ShardLease> leases;
      for (const auto& [s, o] : owner) leases.push_back(held_by(s, o));
      const RebalancePlan p = plan_with_singletons(r, live, leases, shards);
      for (int s : p.release) {
        REQUIRE(owner.at(s) == r);
        owner.erase(s);
        changed = true;
      }
      for (int s : p.acquire) {
        if (owner.emplace(s, r).second) changed = true;
      }
    }
    if (!changed) return owner;
  }
  FAIL("the plans did not settle");
  return owner;
}

}  // namespace

TEST_CASE("a lone replica takes the singletons' lease with every shard", "[cluster]") {
  const RebalancePlan plan = plan_with_singletons("a", {"a"}, {}, 4);
  CHECK(plan.fair_share == 5);
  CHECK(plan.acquire == Shards{kSingletonLease, 0, 1, 2, 3});
}

TEST_CASE("replicas starting together all ask for the singletons' lease first", "[cluster]") {
  // The lease store lets one have it; each then has its home shards.
  CHECK(plan_with_singletons("a", {"a", "b"}, {}, 4).acquire == Shards{kSingletonLease, 0, 2});
  CHECK(plan_with_singletons("b", {"a", "b"}, {}, 4).acquire == Shards{kSingletonLease, 1, 3});
}

TEST_CASE("a free singletons' lease is asked for also by a replica at or above its share",
          "[cluster]") {
  // b stopped and released everything but still counts as live.
  const std::vector<ShardLease> leases = {held_by(0, "a"), held_by(1, "a"), held_by(2, "a")};
  const RebalancePlan at_share = plan_with_singletons("a", {"a", "b"}, leases, 4);
  CHECK(at_share.fair_share == 3);
  CHECK(at_share.acquire == Shards{kSingletonLease});
  CHECK(at_share.release.empty());
  const RebalancePlan above =
      plan_with_singletons("a", {"a", "b", "c"},
                           {held_by(0, "a"), held_by(1, "a"), held_by(2, "a"), held_by(3, "c")}, 4);
  CHECK(above.fair_share == 2);
  CHECK(above.acquire == Shards{kSingletonLease});
  CHECK(above.release == Shards{2});  // b is short of its share
}

TEST_CASE("a holder above its share gives shards up, never the singletons' lease", "[cluster]") {
  const std::vector<ShardLease> leases = {held_by(kSingletonLease, "a"), held_by(0, "a"),
                                          held_by(1, "a"), held_by(2, "a"), held_by(3, "a")};
  for (int max_releases : {1, 2, 10}) {
    const RebalancePlan plan = plan_rebalance({.self = "a",
                                               .live = {"a", "b", "c", "d", "e"},
                                               .leases = leases,
                                               .now = kNow,
                                               .shards = 4,
                                               .max_releases = max_releases,
                                               .singletons = true});
    CHECK(plan.fair_share == 1);
    CHECK(plan.acquire.empty());
    CHECK(static_cast<int>(plan.release.size()) == std::min(max_releases, 4));
    CHECK(std::find(plan.release.begin(), plan.release.end(), kSingletonLease) ==
          plan.release.end());
  }
}

TEST_CASE("the singletons' lease stays with a live holder", "[cluster]") {
  const std::vector<ShardLease> leases = {held_by(kSingletonLease, "b"), held_by(0, "a"),
                                          held_by(1, "b"), held_by(2, "a"), held_by(3, "a")};
  for (const char* self : {"a", "b"}) {
    const RebalancePlan plan = plan_with_singletons(self, {"a", "b"}, leases, 4);
    CHECK(plan.fair_share == 3);
    CHECK(plan.acquire.empty());
    CHECK(plan.release.empty());
  }
}

TEST_CASE("when its holder dies, a survivor takes the singletons' lease", "[cluster]") {
  // a stopped heartbeating and its leases ran out.
  const std::vector<ShardLease> leases = {held_by(kSingletonLease, "a", kNow - 1s),
                                          held_by(0, "a", kNow - 1s), held_by(1, "b"),
                                          held_by(2, "a", kNow - 1s), held_by(3, "b")};
  const RebalancePlan plan = plan_with_singletons("b", {"b"}, leases, 4);
  CHECK(plan.acquire == Shards{kSingletonLease, 0, 2});
}

TEST_CASE("without singletons the singletons' row is not a unit", "[cluster]") {
  const RebalancePlan plan = plan_for("a", {"a"}, {held_by(kSingletonLease, "b")}, 4);
  CHECK(plan.fair_share == 4);
  CHECK(plan.acquire == Shards{0, 1, 2, 3});
}

TEST_CASE("a row numbered like the singletons' unit is not taken for it", "[cluster]") {
  // Shard 4 of a deployment with more shards: out of range here.
  const RebalancePlan plan = plan_with_singletons("a", {"a"}, {held_by(4, "b")}, 4);
  CHECK(plan.acquire == Shards{kSingletonLease, 0, 1, 2, 3});
}

TEST_CASE(
    "rounds of plans give the singletons' lease to exactly one replica, and move it "
    "only when its holder leaves",
    "[cluster]") {
  for (int shards : {1, 2, 5, 12}) {
    INFO("shards " << shards);
    std::vector<std::string> live = replicas(3);
    std::map<int, std::string> owner = settle_with_singletons(shards, live, {});
    REQUIRE(owner.count(kSingletonLease) == 1);
    CHECK(static_cast<int>(owner.size()) == shards + 1);
    const std::string holder = owner.at(kSingletonLease);
    // Settled: another round changes nothing.
    CHECK(settle_with_singletons(shards, live, owner) == owner);

    // A replica that does not hold it leaves: it stays.
    const std::string other = holder == live[0] ? live[1] : live[0];
    std::vector<std::string> without_other;
    for (const auto& r : live) {
      if (r != other) without_other.push_back(r);
    }
    std::erase_if(owner, [&](const auto& e) { return e.second == other; });
    owner = settle_with_singletons(shards, without_other, owner);
    CHECK(owner.at(kSingletonLease) == holder);

    // Its holder leaves and its leases lapse: the survivor takes it.
    std::erase_if(owner, [&](const auto& e) { return e.second == holder; });
    std::vector<std::string> survivor;
    for (const auto& r : without_other) {
      if (r != holder) survivor.push_back(r);
    }
    owner = settle_with_singletons(shards, survivor, owner);
    CHECK(owner.at(kSingletonLease) == survivor.at(0));
    CHECK(static_cast<int>(owner.size()) == shards + 1);
  }
}
