#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "cluster/fence_status.h"
#include "cluster/shard_map.h"

using tierd::TicketId;
using tierd::cluster::shard_of;
using tierd::cluster::ShardScope;

TEST_CASE("shard_of keeps its values across releases", "[cluster]") {
  // Pinned: a change here moves tickets between shards under running
  // replicas, and the stores' SQL computes the same remainder.
  CHECK(shard_of(0, 16) == 0);
  CHECK(shard_of(1, 16) == 1);
  CHECK(shard_of(42, 16) == 10);
  CHECK(shard_of(123456789, 16) == 5);
  CHECK(shard_of(35, 7) == 0);
  CHECK(shard_of(9007199254740993, 64) == 1);
  CHECK(shard_of(-1, 10) == 9);
  CHECK(shard_of(-10, 10) == 0);
}

TEST_CASE("shard_of stays within the shard count", "[cluster]") {
  for (int shards = 1; shards <= 40; ++shards) {
    for (TicketId id = -50; id < 2000; ++id) {
      int s = shard_of(id, shards);
      REQUIRE(s >= 0);
      REQUIRE(s < shards);
    }
  }
  CHECK(shard_of(17, 1) == 0);
  CHECK(shard_of(17, 0) == 0);
  CHECK(shard_of(17, -3) == 0);
}

TEST_CASE("shard_of spreads consecutive ticket ids evenly", "[cluster]") {
  for (int shards : {3, 16, 64}) {
    INFO("shards " << shards);
    std::vector<int> count(static_cast<size_t>(shards));
    const int tickets = 64000;
    for (TicketId id = 100000; id < 100000 + tickets; ++id)
      ++count[static_cast<size_t>(shard_of(id, shards))];
    const int even = tickets / shards;
    for (int c : count) {
      CHECK(c > even * 85 / 100);
      CHECK(c < even * 115 / 100);
    }
  }
}

TEST_CASE("a shard scope contains the tickets of its shards", "[cluster]") {
  CHECK(ShardScope::all().contains(123));
  CHECK(ShardScope::all().contains(-7));

  const ShardScope scope = ShardScope::only(8, {5, 1, 5, 9, -1});
  CHECK(scope.owned == std::vector<int>{1, 5});  // sorted, unique, in range
  CHECK(scope.owned_json() == "[1,5]");
  CHECK(scope.contains(1));
  CHECK(scope.contains(13));
  CHECK(scope.contains(21));
  CHECK_FALSE(scope.contains(2));
  CHECK(scope.contains(9));  // 9 mod 8: shard 1
  CHECK_FALSE(scope.contains(15));

  const ShardScope none = ShardScope::only(8, {});
  CHECK(none.owned_json() == "[]");
  for (TicketId id = 0; id < 16; ++id) CHECK_FALSE(none.contains(id));
  CHECK(ShardScope::only(0, {0}).shards == 1);
}

TEST_CASE("a fenced status names its shard and token, and nothing else is read as one",
          "[cluster]") {
  const tierd::cluster::ShardFence fence{17, 4242};
  tierd::Status refused = tierd::cluster::fenced_status(fence);
  CHECK(refused.code() == tierd::StatusCode::kFenced);
  CHECK(tierd::cluster::refused_fence(refused) == std::optional(fence));
  CHECK_FALSE(tierd::cluster::refused_fence(tierd::Status::Conflict("shard 1 token 2")));
  CHECK_FALSE(tierd::cluster::refused_fence(tierd::Status(tierd::StatusCode::kFenced, "no shard")));
  CHECK_FALSE(tierd::cluster::refused_fence(tierd::Status::Ok()));
}
