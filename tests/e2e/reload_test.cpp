// SIGHUP reload of a running tierd: a valid config applies at once and
// re-plans running clocks; an invalid one is refused, logged, and the running
// config stays.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <string>
#include <thread>

#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {}  // namespace

TEST_CASE("SIGHUP applies a shorter budget to a running clock and refuses a broken config",
          "[integration][reload]") {
  LiveStackOptions options;
  options.tiers = json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "1h"},
                                  {"name": "tier2", "groups": [114002]}])");
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "waits an hour"}, {"group_id", 114001}, {"status", "open"}});
  std::this_thread::sleep_for(1500ms);
  REQUIRE(stack.group_of(id) == 114001);

  // A broken config is refused: the log says why and tierd keeps running.
  const std::string good = read_file(stack.config_path());
  write_file(stack.config_path(), "{\"tiers\": 5, ");
  stack.signal_tierd(SIGHUP);
  REQUIRE(LiveStack::eventually(
      [&] {
        return stack.tierd_log().find("reload: the new config was refused") != std::string::npos;
      },
      5s));
  CHECK(stack.tierd_running());
  CHECK(stack.group_of(id) == 114001);

  // tier1's budget becomes 3 s: the time already used counts, so the ticket
  // moves up within a few seconds of the reload.
  json config = json::parse(good);
  config["tiers"][0]["escalate_after"] = "3s";
  write_file(stack.config_path(), config.dump(2));
  stack.signal_tierd(SIGHUP);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 10s));
  CHECK(stack.tierd_log().find("reload: applied") != std::string::npos);
  CHECK(stack.tierd_notes(id).size() == 1);
}

TEST_CASE("SIGHUP re-reads the webhook signing secret", "[integration][reload]") {
  TempDir dir;
  const std::string secret_file = dir.file("webhook-secret");
  write_file(secret_file, "not-the-secret\n");
  LiveStackOptions options;
  options.extra_config = {
      {"zendesk", {{"webhook_secret_env", nullptr}, {"webhook_secret_file", secret_file}}}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  // Signed with the account's secret, which tierd does not have yet.
  stack.create_ticket({{"subject", "refused"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually(
      [&] {
        const json log = stack.sim("GET", "/sim/webhooks");
        for (const auto& d : log.at("deliveries")) {
          if (d.value("http_status", 0) == 401) return true;
        }
        return false;
      },
      10s));

  // `tierd setup` (or an admin) writes the right secret; a reload picks it up.
  write_file(secret_file, stack.webhook_secret() + "\n");
  stack.signal_tierd(SIGHUP);
  REQUIRE(LiveStack::eventually(
      [&] { return stack.tierd_log().find("reload: applied") != std::string::npos; }, 5s));
  int64_t id =
      stack.create_ticket({{"subject", "accepted"}, {"group_id", 114001}, {"status", "open"}});
  CHECK(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 15s));
}
