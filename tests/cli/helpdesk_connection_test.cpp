// The budgets `tierd serve` paces a Freshdesk account by, against a real
// freshdesk-sim: the configured (or Growth) plan until the first answer,
// then the plan its X-RateLimit-Total reveals, Update Ticket's limit
// included; an explicit updates_per_minute is kept as it is.
#include <catch2/catch.hpp>

#include <memory>

#include <nlohmann/json.hpp>

#include "cli/helpdesk_connection.h"
#include "support/process_harness.h"

using nlohmann::json;
using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKey = "fd-budget-key";

class PlanSim {
 public:
  explicit PlanSim(int rate_limit) {
    sim_ = std::make_unique<Subprocess>(
        std::vector<std::string>{FRESHDESK_SIM_BINARY, "--port", "0", "--api-key", kKey,
                                 "--rate-limit", std::to_string(rate_limit)},
        std::map<std::string, std::string>{}, dir_.file("sim.log"));
    auto port = wait_for_listening_port(*sim_, 10s);
    REQUIRE(port);
    port_ = *port;
  }

  Config config(json freshdesk_extra = json::object()) const {
    json freshdesk = {{"base_url", "http://127.0.0.1:" + std::to_string(port_)}};
    freshdesk.update(freshdesk_extra);
    json doc = {{"store", {{"sqlite", {{"path", dir_.file("tierd.db")}}}}},
                {"freshdesk", freshdesk},
                {"tiers",
                 {{{"name", "tier1"}, {"groups", {11}}, {"escalate_after", "15m"}},
                  {{"name", "tier2"}, {"groups", {12}}}}}};
    auto parsed = parse_config(doc.dump(), "test");
    INFO(parsed.status().message());
    REQUIRE(parsed.ok());
    return *parsed;
  }

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> sim_;
  int port_ = 0;
};

Secrets key() {
  Secrets s;
  s.freshdesk_api_key = kKey;
  return s;
}

}  // namespace

TEST_CASE("freshdesk: the update budget follows the plan the first answer reports",
          "[cli][freshdesk][rate]") {
  PlanSim sim(700);  // Enterprise
  HelpdeskConnection c = helpdesk_connection(sim.config(), key());
  // Growth until an answer says otherwise: 80 updates, 20 lists, 0.8 of each.
  CHECK(c.updates_per_minute == Approx(64));
  CHECK(c.lists_per_minute == Approx(16));
  REQUIRE(c.updates_budget);
  CHECK(c.updates_budget() == Approx(64));

  auto client = c.make_client();
  REQUIRE(client->current_user().ok());
  CHECK(c.pacer->reported_limit() == 700);
  CHECK(c.updates_budget() == Approx(280 * 0.8));
}

TEST_CASE("freshdesk: an explicit updates_per_minute stays whatever the answers report",
          "[cli][freshdesk][rate]") {
  PlanSim sim(700);
  HelpdeskConnection c = helpdesk_connection(
      sim.config({{"requests_per_minute", 400}, {"updates_per_minute", 50}, {"rate_share", 0.5}}),
      key());
  CHECK(c.updates_per_minute == Approx(25));
  CHECK(c.lists_per_minute == Approx(50));  // Pro's 100 list calls, half of them
  CHECK_FALSE(c.updates_budget);
  REQUIRE(c.make_client()->current_user().ok());
  CHECK(c.pacer->reported_limit() == 700);
  CHECK(c.updates_per_minute == Approx(25));
}
