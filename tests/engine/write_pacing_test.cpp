#include <catch2/catch.hpp>

#include "engine/write_pacing.h"

using namespace tierd;
using namespace std::chrono_literals;

namespace {
const Instant kT0 = from_unix_ms(1'760'000'000'000);
}

TEST_CASE("a token bucket allows its burst, then one token per refill interval", "[pacing]") {
  TokenBucket bucket(60, 3);  // one a second, burst of three
  CHECK(bucket.take(kT0));
  CHECK(bucket.take(kT0));
  CHECK(bucket.take(kT0));
  CHECK_FALSE(bucket.take(kT0));
  CHECK(bucket.wait_time(kT0) == 1000ms);
  CHECK(bucket.wait_time(kT0 + 400ms) == 600ms);
  CHECK(bucket.take(kT0 + 1s));
  CHECK_FALSE(bucket.take(kT0 + 1s));
}

TEST_CASE("a token bucket never holds more than its capacity", "[pacing]") {
  TokenBucket bucket(60, 2);
  CHECK(bucket.take(kT0));
  CHECK(bucket.take(kT0 + 1h));
  CHECK(bucket.take(kT0 + 1h));
  CHECK_FALSE(bucket.take(kT0 + 1h));
}

TEST_CASE("a ticket gets at most 30 writes in any ten minutes", "[pacing]") {
  TicketWindow window(30, 10min);
  for (int i = 0; i < 30; ++i) {
    CHECK(window.wait_time(7, kT0 + std::chrono::seconds(i)) == 0ms);
    window.record(7, kT0 + std::chrono::seconds(i));
  }
  CHECK(window.wait_time(7, kT0 + 30s) == 10min - 30s);
  CHECK(window.wait_time(8, kT0 + 30s) == 0ms);  // other tickets are not held
  CHECK(window.wait_time(7, kT0 + 10min) == 0ms);
}

TEST_CASE("back-off doubles per attempt, is capped, and jitters within half", "[pacing]") {
  CHECK(backoff_delay(1, 1s, 5min, 1.0) == 1s);
  CHECK(backoff_delay(2, 1s, 5min, 1.0) == 2s);
  CHECK(backoff_delay(4, 1s, 5min, 1.0) == 8s);
  CHECK(backoff_delay(4, 1s, 5min, 0.0) == 4s);
  CHECK(backoff_delay(20, 1s, 5min, 1.0) == 5min);
  CHECK(backoff_delay(0, 1s, 5min, 1.0) == 1s);
}
