// zendesk-sim's outgoing webhooks, received by a real HTTP server in the
// test: signature, headers, envelope, one event per changed aspect,
// retries and pausing.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "sim/common/sim_client.h"
#include "support/process_harness.h"
#include "support/webhook_receiver.h"
#include "zendesk/webhook_signature.h"

using nlohmann::json;
using tierd::sim::SimClient;
using tierd::sim::SimReply;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

class SimWithHooks {
 public:
  SimWithHooks(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        ZENDESK_SIM_BINARY,           "--port", "0", "--webhook-url", url,
        "--webhook-retry-backoff-ms", "50"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                            dir_.file("sim.log"));
    auto port = wait_for_listening_port(*process_, 10s);
    REQUIRE(port);
    port_ = *port;
    SimClient control(port_);
    REQUIRE(
        control.post("/sim/groups", {{"groups", {{{"id", 114001}}, {{"id", 114002}}}}}).status ==
        201);
    REQUIRE(control.post("/sim/users", {{"users", {{{"id", 500120}, {"name", "Dana"}}}}}).status ==
            201);
    REQUIRE(control.post("/sim/memberships", {{"user_id", 500120}, {"group_id", 114002}}).status ==
            201);
  }
  int port() const { return port_; }

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

std::string header(const httplib::Headers& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

int64_t create_ticket(SimClient& control) {
  SimReply r = control.post("/sim/tickets", {{"ticket",
                                              {{"subject", "Wrong VAT"},
                                               {"comment", {{"body", "Help"}}},
                                               {"group_id", 114001},
                                               {"priority", "normal"},
                                               {"type", "question"},
                                               {"via", {{"channel", "email"}}}}}});
  REQUIRE(r.status == 201);
  return r.body["ticket"]["id"].get<int64_t>();
}

}  // namespace

TEST_CASE("webhooks are signed, carry Zendesk's headers and one event per changed aspect",
          "[sim][webhooks]") {
  WebhookReceiver receiver;
  SimWithHooks sim(receiver.url(), {"--webhook-secret", "s3cret"});
  SimClient control(sim.port());
  SimClient api(sim.port());
  api.use_token("admin@example.com", "sim-token");

  const int64_t id = create_ticket(control);
  auto created = receiver.wait_for(1);
  REQUIRE(created.size() == 1);
  CHECK(created[0].body["type"] == "zen:event-type:ticket.created");
  CHECK(created[0].body["detail"]["actor_id"] == "902001");  // the requester
  CHECK(created[0].body["detail"]["via"]["channel"] == "email");

  REQUIRE(api.put("/api/v2/tickets/" + std::to_string(id) + ".json",
                  {{"ticket",
                    {{"group_id", 114002},
                     {"assignee_id", 500120},
                     {"tags", {"escalated"}},
                     {"priority", "high"},
                     {"comment", {{"body", "Moved"}, {"public", false}}},
                     {"followers", {{{"user_id", 500120}}}}}}})
              .status == 200);
  // status (new -> open on assignment), priority, group, assignee, tags, followers, comment
  auto all = receiver.wait_for(8);
  REQUIRE(all.size() == 8);

  std::set<std::string> types;
  std::set<int> positions;
  const std::string sequence = all[1].body["event"]["meta"]["sequence"]["id"];
  for (size_t i = 0; i < all.size(); ++i) {
    const ReceivedDelivery& r = all[i];
    INFO(r.raw);
    // Signature over timestamp + raw body with the configured secret.
    const std::string ts = header(r.headers, "x-zendesk-webhook-signature-timestamp");
    CHECK(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    auto parsed_ts = tierd::parse_instant(ts);
    REQUIRE(parsed_ts.ok());
    CHECK(tierd::zendesk::verify_signature(
              {"s3cret"}, header(r.headers, "x-zendesk-webhook-signature"), ts, r.raw, *parsed_ts,
              std::chrono::minutes(5)) == tierd::zendesk::SignatureCheck::kValid);
    CHECK(header(r.headers, "x-zendesk-account-id") == "12514403");
    CHECK(!header(r.headers, "x-zendesk-webhook-id").empty());
    CHECK(!header(r.headers, "x-zendesk-webhook-invocation-id").empty());
    CHECK(header(r.headers, "User-Agent") == "Zendesk Webhook");
    CHECK(header(r.headers, "Content-Type") == "application/json");

    const json& e = r.body;
    CHECK(e["account_id"] == 12514403);
    CHECK(e["zendesk_event_version"] == "2022-11-06");
    CHECK(e["subject"] == "zen:ticket:" + std::to_string(id));
    CHECK(std::regex_match(
        e["id"].get<std::string>(),
        std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    CHECK(e["detail"]["id"] == std::to_string(id));
    if (i == 0) continue;
    types.insert(e["type"]);
    positions.insert(e["event"]["meta"]["sequence"]["position"].get<int>());
    CHECK(e["event"]["meta"]["sequence"]["id"] == sequence);
    CHECK(e["detail"]["actor_id"] == "400001");  // the API user
    CHECK(e["detail"]["group_id"] == "114002");
    CHECK(e["detail"]["assignee_id"] == "500120");
    CHECK(e["detail"]["status"] == "OPEN");
    CHECK(e["detail"]["priority"] == "HIGH");
    CHECK(e["detail"]["type"] == "QUESTION");
  }
  CHECK(types ==
        std::set<std::string>{
            "zen:event-type:ticket.status_changed", "zen:event-type:ticket.priority_changed",
            "zen:event-type:ticket.group_assignment_changed",
            "zen:event-type:ticket.agent_assignment_changed", "zen:event-type:ticket.tags_changed",
            "zen:event-type:ticket.followers_changed", "zen:event-type:ticket.comment_added"});
  CHECK(positions == std::set<int>{1, 2, 3, 4, 5, 6, 7});

  for (const auto& r : all) {
    const json& e = r.body;
    const std::string type = e["type"];
    if (type.ends_with("status_changed")) {
      CHECK(e["event"]["previous"] == "NEW");
      CHECK(e["event"]["current"] == "OPEN");
    } else if (type.ends_with("group_assignment_changed")) {
      CHECK(e["event"]["previous"] == "114001");
      CHECK(e["event"]["current"] == "114002");
    } else if (type.ends_with("agent_assignment_changed")) {
      CHECK(e["event"]["previous"].is_null());
      CHECK(e["event"]["current"] == "500120");
    } else if (type.ends_with("tags_changed")) {
      CHECK(e["event"]["tags_added"] == json({"escalated"}));
      CHECK(e["event"]["tags_removed"] == json::array());
    } else if (type.ends_with("followers_changed")) {
      CHECK(e["event"]["users_added"] == json({"500120"}));
    } else if (type.ends_with("comment_added")) {
      CHECK(e["event"]["comment"]["body"] == "Moved");
      CHECK(e["event"]["comment"]["is_public"] == false);
      CHECK(e["event"]["comment"]["author"]["id"] == "400001");
      CHECK(e["event"]["comment"]["author"]["is_staff"] == true);
    }
  }

  json deliveries = control.get("/sim/webhooks").body["deliveries"];
  REQUIRE(deliveries.size() == 8);
  CHECK(deliveries[0]["outcome"] == "delivered");
  CHECK(deliveries[0]["http_status"] == 200);
  CHECK(deliveries[0]["ticket_id"] == id);
}

TEST_CASE(
    "an agent's change through the control API carries that agent as actor, in the "
    "chosen case",
    "[sim][webhooks]") {
  WebhookReceiver receiver;
  SimWithHooks sim(receiver.url(), {"--status-case", "title"});
  SimClient control(sim.port());
  const int64_t id = create_ticket(control);
  REQUIRE(control
              .put("/sim/tickets/" + std::to_string(id),
                   {{"actor_id", 500120}, {"ticket", {{"status", "pending"}}}})
              .status == 200);
  auto all = receiver.wait_for(2);
  REQUIRE(all.size() == 2);
  CHECK(all[1].body["type"] == "zen:event-type:ticket.status_changed");
  CHECK(all[1].body["detail"]["actor_id"] == "500120");
  CHECK(all[1].body["event"]["current"] == "Pending");
  CHECK(all[1].body["event"]["previous"] == "New");
  // The default secret is Zendesk's static test secret.
  const std::string ts = header(all[1].headers, "x-zendesk-webhook-signature-timestamp");
  CHECK(header(all[1].headers, "x-zendesk-webhook-signature") ==
        tierd::zendesk::compute_signature(tierd::zendesk::kTestSigningSecret, ts, all[1].raw));
}

TEST_CASE("a failing endpoint is retried and the attempts are recorded", "[sim][webhooks]") {
  WebhookReceiver receiver(/*fail_first=*/2);
  SimWithHooks sim(receiver.url());
  SimClient control(sim.port());
  create_ticket(control);
  auto all = receiver.wait_for(1);
  REQUIRE(all.size() == 1);
  json deliveries;
  for (int i = 0; i < 50; ++i) {
    deliveries = control.get("/sim/webhooks").body["deliveries"];
    if (deliveries.size() == 1 && deliveries[0]["outcome"] == "delivered") break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0]["outcome"] == "delivered");
  CHECK(deliveries[0]["attempts"] == 3);
}

TEST_CASE("an unreachable endpoint is given up after three retries", "[sim][webhooks]") {
  const int dead_port = free_loopback_port();
  SimWithHooks sim("http://127.0.0.1:" + std::to_string(dead_port) + "/hooks");
  SimClient control(sim.port());
  create_ticket(control);
  json deliveries;
  for (int i = 0; i < 100; ++i) {
    deliveries = control.get("/sim/webhooks").body["deliveries"];
    if (deliveries.size() == 1 && deliveries[0]["outcome"] != "pending") break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0]["outcome"] == "failed");
  CHECK(deliveries[0]["attempts"] == 4);
}

TEST_CASE("paused webhooks drop events until resumed", "[sim][webhooks]") {
  WebhookReceiver receiver;
  SimWithHooks sim(receiver.url());
  SimClient control(sim.port());
  REQUIRE(control.post("/sim/webhooks/pause", json::object()).status == 200);
  create_ticket(control);
  REQUIRE(control.post("/sim/webhooks/resume", json::object()).status == 200);
  create_ticket(control);
  auto all = receiver.wait_for(1);
  REQUIRE(all.size() == 1);
  CHECK(all[0].body["detail"]["id"] == "2");
  json deliveries = control.get("/sim/webhooks").body["deliveries"];
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[0]["outcome"] == "dropped");
}
