// The listener's limits (listen.*) and inbox retention (inbox.*): defaults,
// values, and the bounds the loader refuses.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/config_cases.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;
using tierd::testing::valid_base;

namespace {

Result<Config> parse_with(const json& patch) {
  json document = valid_base();
  document.merge_patch(patch);
  return parse_config(document.dump(), "test.json");
}

}  // namespace

TEST_CASE("listener limits and inbox retention have defaults", "[config]") {
  auto c = parse_with(json::object());
  REQUIRE(c.ok());
  CHECK(c->listen.max_connections == 512);
  CHECK(c->listen.idle_timeout == Duration(5s));
  CHECK(c->listen.head_timeout == Duration(10s));
  CHECK(c->listen.max_header_bytes == 32 * 1024);
  CHECK(c->listen.max_headers == 100);
  CHECK(c->inbox.retention == Duration(24h * 30));
  CHECK(c->inbox.keep_raw == Duration(24h * 7));
}

TEST_CASE("listener limits and inbox retention are read and checked", "[config]") {
  auto c = parse_with({{"listen",
                        {{"max_connections", 2000},
                         {"idle_timeout", "2s"},
                         {"head_timeout", "4s"},
                         {"max_header_bytes", 16384},
                         {"max_headers", 50}}},
                       {"inbox", {{"retention", "3d"}, {"keep_raw", "0s"}}}});
  INFO(c.status().message());
  REQUIRE(c.ok());
  CHECK(c->listen.max_connections == 2000);
  CHECK(c->listen.idle_timeout == Duration(2s));
  CHECK(c->listen.head_timeout == Duration(4s));
  CHECK(c->listen.max_header_bytes == 16384);
  CHECK(c->listen.max_headers == 50);
  CHECK(c->inbox.retention == Duration(24h * 3));
  CHECK(c->inbox.keep_raw == Duration(0s));

  // A shorter retention shortens the default keep_raw with it.
  auto short_retention = parse_with({{"inbox", {{"retention", "2d"}}}});
  REQUIRE(short_retention.ok());
  CHECK(short_retention->inbox.keep_raw == Duration(24h * 2));

  auto longer_body = parse_with({{"inbox", {{"retention", "2d"}, {"keep_raw", "3d"}}}});
  REQUIRE_FALSE(longer_body.ok());
  CHECK_THAT(longer_body.status().message(), Catch::Contains("inbox.keep_raw: longer than"));
  CHECK_FALSE(parse_with({{"listen", {{"max_header_bytes", 100}}}}).ok());
  CHECK_FALSE(parse_with({{"listen", {{"idle_timeout", "0s"}}}}).ok());
}
