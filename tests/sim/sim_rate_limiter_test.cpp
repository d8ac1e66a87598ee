#include <catch2/catch.hpp>

#include "sim/common/fault_queue.h"
#include "sim/common/rate_limiter.h"
#include "sim/zendesk/auth.h"

using namespace tierd::sim;
using namespace std::chrono_literals;

TEST_CASE("a key over its limit is refused until the window slides", "[sim_rate_limiter]") {
  RateLimiter limiter(2, std::chrono::seconds(60));
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  CHECK(limiter.acquire("a", t0).remaining == 1);
  CHECK(limiter.acquire("a", t0 + 10s).remaining == 0);
  RateDecision refused = limiter.acquire("a", t0 + 20s);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds == 40);
  CHECK(limiter.acquire("b", t0 + 20s).allowed);  // keys are independent
  CHECK(limiter.acquire("a", t0 + 60s).allowed);
  limiter.reset();
  CHECK(limiter.peek("a", t0 + 61s).remaining == 2);
}

TEST_CASE("faults match by method and path prefix and run out after count uses", "[sim_faults]") {
  FaultQueue q;
  auto f = parse_fault(
      {{"method", "put"}, {"path_prefix", "/api/v2/tickets"}, {"status", 503}, {"count", 2}});
  REQUIRE(f.ok());
  q.add(*f);
  CHECK_FALSE(q.take("GET", "/api/v2/tickets/1").has_value());
  CHECK_FALSE(q.take("PUT", "/api/v2/users/1").has_value());
  CHECK(q.take("PUT", "/api/v2/tickets/1")->status == 503);
  CHECK(q.take("PUT", "/api/v2/tickets/2").has_value());
  CHECK_FALSE(q.take("PUT", "/api/v2/tickets/3").has_value());
}

TEST_CASE("a fault needs something to do and valid numbers", "[sim_faults]") {
  CHECK_FALSE(parse_fault({{"method", "PUT"}}).ok());
  CHECK_FALSE(parse_fault({{"status", 200}}).ok());
  CHECK_FALSE(parse_fault({{"delay_ms", -5}}).ok());
  CHECK(parse_fault({{"drop_connection", true}}).ok());
  CHECK(parse_fault({{"drop_after_apply", true}}).ok());
  CHECK_FALSE(parse_fault({{"drop_after_apply", "yes"}}).ok());
}

TEST_CASE("only the Authorization header with the right token authenticates", "[sim_auth]") {
  Credentials creds{"bot@acme.test", "tok", "oauth"};
  // base64("bot@acme.test/token:tok")
  CHECK(is_authorized("Basic Ym90QGFjbWUudGVzdC90b2tlbjp0b2s=", creds));
  CHECK_FALSE(is_authorized("Basic Ym90QGFjbWUudGVzdC90b2tlbjp4", creds));
  CHECK(is_authorized("Bearer oauth", creds));
  CHECK_FALSE(is_authorized("Bearer other", creds));
  CHECK_FALSE(is_authorized("", creds));
  CHECK_FALSE(is_authorized("Bearer ", Credentials{"a", "b", ""}));
  CHECK(tierd::base64_decode("aGk=") == std::string("hi"));
  CHECK_FALSE(tierd::base64_decode("a*b").has_value());
}
