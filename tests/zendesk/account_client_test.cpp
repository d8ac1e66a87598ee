// ZendeskAccountClient against a real zendesk-sim: lists are read by cursor
// across pages, and a webhook update changes only what it names.
#include <catch2/catch.hpp>

#include <memory>
#include <set>

#include "sim/common/sim_client.h"
#include "support/process_harness.h"
#include "zendesk/account_client.h"

using nlohmann::json;
using tierd::sim::SimClient;
using namespace tierd;
using namespace tierd::zendesk;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

class Sim {
 public:
  Sim() {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{ZENDESK_SIM_BINARY, "--port", "0", "--rate-limit", "100000"},
        std::map<std::string, std::string>{}, dir_.file("sim.log"));
    auto port = wait_for_listening_port(*process_, 10s);
    REQUIRE(port);
    port_ = *port;
    api = std::make_unique<SimClient>(port_);
    api->use_token("admin@example.com", "sim-token");
  }
  ZendeskApiOptions options() const {
    ZendeskApiOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port_);
    o.email = "admin@example.com";
    o.api_token = "sim-token";
    o.timeout = 5s;
    return o;
  }
  // The GET requests the simulator received for `path_prefix`.
  std::vector<json> gets(const std::string& path_prefix) {
    std::vector<json> out;
    const json log = SimClient(port_).get("/sim/requests").body;
    for (const auto& r : log["requests"]) {
      if (r["method"] == "GET" && r["path"].get<std::string>().rfind(path_prefix, 0) == 0) {
        out.push_back(r);
      }
    }
    return out;
  }
  std::unique_ptr<SimClient> api;

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

json event_webhook(const std::string& name) {
  return {{"webhook",
           {{"name", name},
            {"status", "active"},
            {"endpoint", "https://tierd.example/webhooks/zendesk"},
            {"http_method", "POST"},
            {"request_format", "json"},
            {"subscriptions", {"zen:event-type:ticket.created"}}}}};
}

}  // namespace

TEST_CASE("ticket fields and webhooks are read by cursor across every page", "[account_client]") {
  Sim sim;
  for (int i = 0; i < 105; ++i) {
    REQUIRE(sim.api
                ->post("/api/v2/ticket_fields",
                       {{"ticket_field", {{"type", "text"}, {"title", "Field " + std::to_string(i)}}}})
                .status == 201);
    REQUIRE(sim.api->post("/api/v2/webhooks", event_webhook("hook " + std::to_string(i))).status ==
            201);
  }
  ZendeskAccountClient client(sim.options());
  auto fields = client.ticket_fields();
  REQUIRE(fields.ok());
  std::set<std::string> titles;
  for (const auto& f : *fields) titles.insert(f.title);
  CHECK(titles.count("Field 0") == 1);
  CHECK(titles.count("Field 104") == 1);
  // The endpoint documents cursor paging only: never per_page.
  const auto field_reads = sim.gets("/api/v2/ticket_fields");
  REQUIRE(field_reads.size() == 2);
  for (const auto& r : field_reads) {
    CHECK(r["query"].get<std::string>().find("page[size]=100") != std::string::npos);
    CHECK(r["query"].get<std::string>().find("per_page") == std::string::npos);
  }
  auto hooks = client.webhooks();
  REQUIRE(hooks.ok());
  CHECK(hooks->size() == 105);
}

TEST_CASE("a webhook update patches only the fields given and keeps the admin's authentication",
          "[account_client]") {
  Sim sim;
  json spec = event_webhook("tierd");
  spec["webhook"]["description"] = "Ticket events for tierd";
  spec["webhook"]["authentication"] = {
      {"type", "basic_auth"}, {"add_position", "header"}, {"data", {{"username", "u"}, {"password", "p"}}}};
  auto created = sim.api->post("/api/v2/webhooks", spec);
  REQUIRE(created.status == 201);
  const std::string id = created.body["webhook"]["id"];

  ZendeskAccountClient client(sim.options());
  WebhookInfo patch;
  patch.endpoint = "https://tierd2.example/webhooks/zendesk";
  patch.status = "inactive";
  REQUIRE(client.update_webhook(id, patch).ok());
  json w = sim.api->get("/api/v2/webhooks/" + id).body["webhook"];
  CHECK(w["endpoint"] == "https://tierd2.example/webhooks/zendesk");
  CHECK(w["status"] == "inactive");
  CHECK(w["name"] == "tierd");
  CHECK(w["description"] == "Ticket events for tierd");
  CHECK(w["authentication"]["type"] == "basic_auth");
  CHECK(w["subscriptions"] == json({"zen:event-type:ticket.created"}));
  // Nothing to change sends nothing.
  CHECK(client.update_webhook(id, WebhookInfo{}).ok());
}
