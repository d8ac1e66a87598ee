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

TEST_CASE("a token bucket can be re-rated and drained", "[pacing]") {
  TokenBucket bucket(60, 1);
  CHECK(bucket.take(kT0));
  bucket.set_rate(kT0, 600, 10);  // ten a second from now, burst of ten
  CHECK(bucket.wait_time(kT0) == 100ms);
  CHECK(bucket.wait_time(kT0 + 1h) == 0ms);
  bucket.limit_to(kT0 + 1h, 2);
  CHECK(bucket.take(kT0 + 1h));
  CHECK(bucket.take(kT0 + 1h));
  CHECK_FALSE(bucket.take(kT0 + 1h));
}

TEST_CASE("the account budget waits for the reported limit before it bursts", "[pacing]") {
  AccountBudget budget(0.8, 700);
  // Before any report: 0.8 x 700 a minute, one request at a time.
  CHECK(budget.take(kT0));
  CHECK_FALSE(budget.take(kT0));
  CHECK(budget.wait_time(kT0) == std::chrono::milliseconds(108));  // 60 s / 560, rounded up

  // Zendesk's Team plan: 200 a minute, so 160 for tierd, ten seconds' burst.
  RateLimitReport team;
  team.limit = 200;
  budget.observe(team, kT0 + 1h);
  CHECK(budget.reported_limit() == 200);
  CHECK(budget.per_minute() == Approx(160));
  int burst = 0;
  while (budget.take(kT0 + 1h)) ++burst;
  CHECK(burst == 26);
  // What is left of the burst (26.7 requests) is part of the next one: less
  // than the 375 ms a request takes at 160 a minute.
  CHECK(budget.wait_time(kT0 + 1h) > 0ms);
  CHECK(budget.wait_time(kT0 + 1h) < 375ms);
  CHECK(budget.take(kT0 + 1h + 375ms));
}

TEST_CASE("the account budget keeps to its share of what the window has left", "[pacing]") {
  AccountBudget budget(0.8, 700);
  RateLimitReport r;
  r.limit = 400;
  budget.observe(r, kT0);
  // 100 left in the window, 80 of which (0.2 x 400) the account's others
  // are owed: tierd may use 20 more.
  r.remaining = 100;
  r.reset = 30s;
  budget.observe(r, kT0 + 1h);
  int left = 0;
  while (budget.take(kT0 + 1h)) ++left;
  CHECK(left == 20);
  // Nothing of tierd's share left: every request waits for the reset.
  r.remaining = 75;
  budget.observe(r, kT0 + 1h);
  CHECK(budget.wait_time(kT0 + 1h) == 30s);
  CHECK_FALSE(budget.take(kT0 + 1h + 29s));
  CHECK(budget.take(kT0 + 1h + 30s));
}

TEST_CASE("a 429 or a used-up endpoint limit holds every request", "[pacing]") {
  AccountBudget budget(0.8, 700);
  RateLimitReport refused;
  refused.refused = true;
  refused.retry_after = 7s;
  budget.observe(refused, kT0);
  CHECK(budget.wait_time(kT0) == 7s);
  CHECK_FALSE(budget.take(kT0 + 6s));
  CHECK(budget.take(kT0 + 7s));

  RateLimitReport endpoint;
  endpoint.endpoint_exhausted_for = 41s;
  budget.observe(endpoint, kT0 + 1h);
  CHECK(budget.wait_time(kT0 + 1h) == 41s);

  RateLimitReport silent;  // a 429 without Retry-After: Zendesk's window is a minute
  silent.refused = true;
  budget.observe(silent, kT0 + 2h);
  CHECK(budget.wait_time(kT0 + 2h) == 60s);
}

TEST_CASE("the pacer waits briefly itself and refuses a longer wait with retry_after", "[pacing]") {
  AccountPacer pacer(0.5, 60, 50ms);  // 30 a minute: one every two seconds
  CHECK(pacer.before_request().ok());
  Status refused = pacer.before_request();
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  REQUIRE(refused.retry_after().has_value());
  CHECK(*refused.retry_after() > 1s);
  CHECK(pacer.wait_time() > 1s);
  RateLimitReport r;
  r.limit = 600000;  // a generous account: the budget follows it at once
  pacer.after_answer(r);
  CHECK(pacer.reported_limit() == 600000);
  CHECK(pacer.before_request().ok());
}

TEST_CASE("bulk jobs are polled soon after submission, then less often while none finishes",
          "[pacing]") {
  JobPollSchedule polls(250ms, 4s);
  CHECK_FALSE(polls.next().has_value());
  polls.submitted(kT0);
  CHECK(polls.next() == kT0 + 250ms);
  polls.submitted(kT0 + 100ms);  // a second job does not move the first poll
  CHECK(polls.next() == kT0 + 250ms);
  polls.polled(kT0 + 250ms, false, true);
  CHECK(polls.next() == kT0 + 750ms);
  polls.polled(kT0 + 750ms, false, true);
  CHECK(polls.next() == kT0 + 1750ms);
  for (int i = 0; i < 10; ++i) polls.polled(kT0 + 1h, false, true);
  CHECK(polls.next() == kT0 + 1h + 4s);  // capped
  polls.polled(kT0 + 2h, true, true);    // one finished: back to the start
  CHECK(polls.next() == kT0 + 2h + 250ms);
  polls.polled(kT0 + 3h, true, false);  // none left
  CHECK_FALSE(polls.next().has_value());
}
