// `tierd setup` for a Freshdesk config against a real freshdesk-sim: the dry
// run lists the two rules and creates nothing, --apply creates them, a second
// run finds them up to date, a changed public_url plans an update, a wrong
// key exits 3, a missing group exits 1 naming its config path, and after
// --apply a ticket created in the simulator reaches a running tierd through
// the API-created rules, while tierd's own writes fire no rule.
#include <catch2/catch.hpp>

#include <memory>
#include <thread>

#include "sim/common/sim_client.h"
#include "support/process_harness.h"

using nlohmann::json;
using tierd::sim::SimClient;
using tierd::sim::SimReply;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKey = "fd-setup-key";
constexpr const char* kSecret = "fd-setup-secret-0123456789abcdef";
constexpr int64_t kTierdAgent = 43000000001;  // the simulator's API key owner

struct SetupRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class FreshdeskSetupFixture {
 public:
  FreshdeskSetupFixture() {
    sim_ = std::make_unique<Subprocess>(
        std::vector<std::string>{FRESHDESK_SIM_BINARY, "--port", "0", "--api-key", kKey},
        std::map<std::string, std::string>{}, dir_.file("sim.log"));
    auto port = wait_for_listening_port(*sim_, 10s);
    REQUIRE(port);
    sim_port_ = *port;
    tierd_port_ = free_loopback_port();
    REQUIRE(control()
                ->post("/sim/agents", json::array({{{"id", 501}, {"name", "Dana"}},
                                                   {{"id", 502}, {"name", "Eli"}}}))
                .status == 201);
    REQUIRE(control()
                ->post("/sim/groups", json::array({{{"id", 11}, {"name", "Tier 1"}},
                                                   {{"id", 12}, {"name", "Tier 2"}}}))
                .status == 201);
    config = {{"listen", {{"host", "127.0.0.1"}, {"port", tierd_port_}, {"threads", 4}}},
              {"public_url", "http://127.0.0.1:" + std::to_string(tierd_port_)},
              {"store", {{"sqlite", {{"path", dir_.file("tierd.db")}}}}},
              {"freshdesk",
               {{"base_url", "http://127.0.0.1:" + std::to_string(sim_port_)},
                {"api_key_env", "FD_SETUP_KEY"},
                {"webhook_secret_env", "FD_SETUP_SECRET"}}},
              {"tiers",
               {{{"name", "tier1"}, {"groups", {11}}, {"escalate_after", "2s"}},
                {{"name", "tier2"}, {"groups", {12}}}}},
              {"routes", {{{"name", "billing"}, {"group", 12}, {"agents", {502}}}}},
              {"reconcile", {{"enabled", false}}}};
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(tierd_port_) + "/webhooks/freshdesk";
  }

  SetupRun setup(std::vector<std::string> flags, const std::string& key = kKey) {
    const std::string config_path = dir_.file("tierd.json");
    write_file(config_path, config.dump(2));
    std::vector<std::string> argv = {TIERD_BINARY, "setup", "--config", config_path};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const std::string log = dir_.file("setup-" + std::to_string(++runs_) + ".log");
    Subprocess run(argv, {{"FD_SETUP_KEY", key}, {"FD_SETUP_SECRET", kSecret}}, log);
    auto code = run.wait(30s);
    REQUIRE(code);
    return {*code, run.log()};
  }

  json rules(int type) {
    SimReply r = api()->get("/api/v2/automations/" + std::to_string(type) + "/rules");
    REQUIRE(r.status == 200);
    return r.body;
  }

  // Automation-rule writes since the request log was last cleared.
  std::vector<std::string> rule_writes() {
    std::vector<std::string> out;
    SimReply log = control()->get("/sim/requests");
    REQUIRE(log.status == 200);
    for (const auto& r : log.body["requests"]) {
      const std::string method = r["method"];
      const std::string path = r["path"];
      if (path.find("/api/v2/automations") == 0 && method != "GET") {
        out.push_back(method + " " + path);
      }
    }
    return out;
  }

  std::unique_ptr<Subprocess> serve() {
    const std::string config_path = dir_.file("serve.json");
    write_file(config_path, config.dump(2));
    auto tierd = std::make_unique<Subprocess>(
        std::vector<std::string>{TIERD_BINARY, "serve", "--config", config_path},
        std::map<std::string, std::string>{{"FD_SETUP_KEY", kKey}, {"FD_SETUP_SECRET", kSecret}},
        dir_.file("tierd.log"));
    REQUIRE(wait_for_http(tierd_port_, "/healthz", 15s));
    return tierd;
  }

  std::unique_ptr<SimClient> control() const { return std::make_unique<SimClient>(sim_port_); }
  std::unique_ptr<SimClient> api() const {
    auto client = std::make_unique<SimClient>(sim_port_);
    client->use_basic(kKey, "X");
    return client;
  }

  json config;

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> sim_;
  int sim_port_ = 0;
  int tierd_port_ = 0;
  int runs_ = 0;
};

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("Freshdesk: a dry run lists the rules it would create and creates nothing",
          "[setup][freshdesk]") {
  FreshdeskSetupFixture f;
  SetupRun r = f.setup({});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(mentions(r.output, "freshdesk.api_key: belongs to agent " + std::to_string(kTierdAgent)));
  CHECK(mentions(r.output, "tiers[0].groups[0]: group 11 (Tier 1) exists"));
  CHECK(mentions(r.output, "routes[0].agents[0]: agent 502 (Eli) exists"));
  CHECK(mentions(r.output,
                 "1. create rule \"tierd: ticket creation\" (automation type 1): POST " + f.url()));
  CHECK(mentions(r.output, "2. create rule \"tierd: ticket updates\" (automation type 4)"));
  CHECK(mentions(r.output, "made by agents 501, 502"));
  CHECK(
      mentions(r.output, "dry run: nothing was changed; run with --apply to carry out 2 actions"));
  CHECK_FALSE(mentions(r.output, kSecret));
  CHECK(f.rules(1).empty());
  CHECK(f.rules(4).empty());
  CHECK(f.rule_writes().empty());
}

TEST_CASE(
    "Freshdesk: --apply creates both rules, a second run finds them up to date, and a new "
    "public_url plans an update",
    "[setup][freshdesk]") {
  FreshdeskSetupFixture f;
  SetupRun first = f.setup({"--apply"});
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(mentions(first.output, "applied 2 actions"));
  CHECK(mentions(first.output, "verify: create a ticket in Freshdesk"));
  CHECK_FALSE(mentions(first.output, kSecret));

  const json creation = f.rules(1);
  REQUIRE(creation.size() == 1);
  CHECK(creation[0]["name"] == "tierd: ticket creation");
  CHECK(creation[0]["active"] == true);
  const json& action = creation[0]["actions"][0];
  CHECK(action["field_name"] == "trigger_webhook");
  CHECK(action["url"] == f.url());
  CHECK(action["custom_headers"]["X-Tierd-Webhook-Secret"] == kSecret);
  const json update = f.rules(4);
  REQUIRE(update.size() == 1);
  CHECK(update[0]["performer"] == json::parse(R"({"type": 1, "members": [501, 502]})"));

  f.control()->del("/sim/requests");
  SetupRun second = f.setup({"--apply"});
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(mentions(second.output, "rule \"tierd: ticket creation\" (id " +
                                    std::to_string(creation[0]["id"].get<int64_t>()) + ") -> " +
                                    f.url() + " is up to date"));
  CHECK(mentions(second.output, "nothing to change"));
  CHECK(f.rule_writes().empty());

  f.config["public_url"] = "https://tierd.example.net";
  SetupRun moved = f.setup({"--json"});
  INFO(moved.output);
  CHECK(moved.exit_code == 0);
  const json doc = json::parse(moved.output.substr(moved.output.find('{')));
  REQUIRE(doc["plan"]["actions"].size() == 2);
  CHECK(doc["plan"]["actions"][0]["action"] == "update_rule");
  CHECK(mentions(doc["plan"]["actions"][0]["summary"], "update rule \"tierd: ticket creation\""));
  CHECK(mentions(doc["plan"]["actions"][0]["summary"], ": url"));
  CHECK(doc["exit_code"] == 0);
  CHECK(f.rule_writes().empty());

  SetupRun applied = f.setup({"--apply"});
  INFO(applied.output);
  CHECK(applied.exit_code == 0);
  CHECK(f.rules(1)[0]["actions"][0]["url"] == "https://tierd.example.net/webhooks/freshdesk");
  CHECK(f.rules(1).size() == 1);
}

TEST_CASE("Freshdesk: a wrong API key exits 3 saying what to check", "[setup][freshdesk]") {
  FreshdeskSetupFixture f;
  SetupRun r = f.setup({}, "wrong-key");
  INFO(r.output);
  CHECK(r.exit_code == 3);
  CHECK(mentions(r.output, "/api/v2/agents/me"));
  CHECK(mentions(r.output, "reading the account failed; nothing was changed"));
}

TEST_CASE("Freshdesk: a missing group exits 1 naming the config path", "[setup][freshdesk]") {
  FreshdeskSetupFixture f;
  f.config["tiers"][1]["groups"] = {99};
  SetupRun r = f.setup({"--apply"});
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(mentions(r.output, "PROBLEM tiers[1].groups[0]: group 99 does not exist"));
  CHECK(mentions(r.output, "1 problem found"));
  CHECK(f.rules(1).empty());
}

TEST_CASE("Freshdesk: after setup, a new ticket reaches tierd and tierd's writes fire no rule",
          "[setup][freshdesk]") {
  FreshdeskSetupFixture f;
  SetupRun r = f.setup({"--apply"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto tierd = f.serve();

  SimReply t = f.control()->post(
      "/sim/tickets",
      {{"subject", "Printer on fire"}, {"status", 2}, {"priority", 2}, {"group_id", 11}});
  REQUIRE(t.status == 201);
  const int64_t id = t.body["id"];
  // tier1's budget is 2s: tierd escalates only a ticket it heard about.
  int64_t group = 0;
  for (int i = 0; i < 200 && group != 12; ++i) {
    std::this_thread::sleep_for(50ms);
    const json ticket = f.control()->get("/sim/tickets/" + std::to_string(id)).body;
    group = ticket["group_id"].is_null() ? 0 : ticket["group_id"].get<int64_t>();
  }
  INFO(tierd->log());
  CHECK(group == 12);
  // An agent's change fires the update rule; tierd's own move to group 12 did not.
  REQUIRE(f.control()
              ->put("/sim/tickets/" + std::to_string(id) + "?agent_id=502", {{"status", 3}})
              .status == 200);
  json deliveries;
  for (int i = 0; i < 200; ++i) {
    deliveries = f.control()->get("/sim/webhooks").body["deliveries"];
    if (deliveries.size() >= 2 && deliveries[1]["outcome"] != "pending") break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(deliveries.dump(2));
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[0]["rule"] == "tierd: ticket creation");
  CHECK(deliveries[0]["outcome"] == "delivered");
  CHECK(deliveries[0]["http_status"] == 200);
  CHECK(deliveries[1]["rule"] == "tierd: ticket updates");
  CHECK(deliveries[1]["event"] == "{status:{from:2,to:3}}");
  CHECK(deliveries[1]["outcome"] == "delivered");
}
