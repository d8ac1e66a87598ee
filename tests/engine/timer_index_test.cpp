#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "engine/timer_index.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {
const Instant kT0 = from_unix_ms(1'760'000'000'000);
}

TEST_CASE("due timers come out in deadline order and only when due", "[timers]") {
  TimerIndex index;
  index.set(3, kT0 + 3s);
  index.set(1, kT0 + 1s);
  index.set(2, kT0 + 2s);
  CHECK(index.next() == kT0 + 1s);
  CHECK(index.pop_due(kT0 + 999ms, 10).empty());
  auto due = index.pop_due(kT0 + 2s, 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].first == 1);
  CHECK(due[1].first == 2);
  CHECK(index.size() == 1);
}

TEST_CASE("moving or erasing a deadline leaves no stale firing", "[timers]") {
  TimerIndex index;
  index.set(1, kT0 + 1s);
  index.set(1, kT0 + 5s);
  index.set(2, kT0 + 2s);
  index.erase(2);
  CHECK(index.pop_due(kT0 + 4s, 10).empty());
  auto due = index.pop_due(kT0 + 5s, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0] == std::pair<TicketId, Instant>{1, kT0 + 5s});
  CHECK_FALSE(index.next());
}

TEST_CASE("many moves keep the index consistent with the live deadlines", "[timers]") {
  TimerIndex index;
  std::mt19937 rng(7);
  std::map<TicketId, Instant> live;
  for (int i = 0; i < 20000; ++i) {
    TicketId id = rng() % 500;
    Instant t = kT0 + std::chrono::milliseconds(rng() % 100000);
    if (rng() % 5 == 0) {
      index.erase(id);
      live.erase(id);
    } else {
      index.set(id, t);
      live[id] = t;
    }
  }
  CHECK(index.size() == live.size());
  auto due = index.pop_due(kT0 + 200s, 100000);
  REQUIRE(due.size() == live.size());
  for (size_t i = 1; i < due.size(); ++i) CHECK(due[i - 1].second <= due[i].second);
  for (const auto& [id, t] : due) CHECK(live.at(id) == t);
}
