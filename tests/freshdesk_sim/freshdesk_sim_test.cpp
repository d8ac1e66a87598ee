// freshdesk-sim driven as a process over loopback with plain HTTP: Freshdesk's
// auth, ticket reads and partial updates with their validation errors, notes
// and conversations, paging with the link header, watchers, bulk_update jobs,
// the rate-limit headers and 429, injected faults, the request log, and the
// automation rule's webhook, which tierd's own parser must accept, paused; the
// Automations API and the trigger_webhook actions of the rules created through it.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <memory>
#include <thread>

#include "core/time.h"
#include "freshdesk/webhook_payload.h"
#include "helpdesk/text_codec.h"
#include "support/process_harness.h"
#include "support/webhook_receiver.h"

using nlohmann::json;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kTier1 = 43000190413;
constexpr int64_t kTier2 = 43000190415;
constexpr int64_t kAnn = 43007075231;

class FreshdeskSim {
 public:
  explicit FreshdeskSim(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {FRESHDESK_SIM_BINARY, "--port", "0", "--api-key", "key-1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                            dir_.file("sim.log"));
    auto port = wait_for_listening_port(*process_, 10s);
    REQUIRE(port);
    port_ = *port;
    REQUIRE(control("POST", "/sim/groups",
                    json::array({{{"id", kTier1}, {"name", "Tier 1"}, {"agent_ids", {kAnn}}},
                                 {{"id", kTier2}, {"name", "Tier 2"}}}))
                ->status == 201);
    REQUIRE(control("POST", "/sim/agents",
                    {{"id", kAnn}, {"name", "Ann"}, {"email", "ann@example.com"}})
                ->status == 201);
  }

  // A Freshdesk API call with the key as Basic user name and "X" as password.
  httplib::Result api(const std::string& method, const std::string& path,
                      const json& body = nullptr, const std::string& user = "key-1",
                      const std::string& content_type = "application/json") {
    httplib::Headers headers = {{"Authorization", "Basic " + tierd::base64_encode(user + ":X")}};
    return send(method, path, body, headers, content_type);
  }
  httplib::Result control(const std::string& method, const std::string& path,
                          const json& body = nullptr) {
    return send(method, path, body, {}, "application/json");
  }
  int64_t create_ticket(json fields = json::object()) {
    fields.emplace("subject", "Printer down");
    fields.emplace("group_id", kTier1);
    auto r = control("POST", "/sim/tickets", fields);
    REQUIRE(r->status == 201);
    return json::parse(r->body)["id"].get<int64_t>();
  }

 private:
  // A string `body` goes as it is, anything else as JSON.
  httplib::Result send(const std::string& method, const std::string& path, const json& body,
                       const httplib::Headers& headers, const std::string& content_type) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(5, 0);
    const std::string text = body.is_null()     ? ""
                             : body.is_string() ? body.get<std::string>()
                                                : body.dump();
    if (method == "GET") return client.Get(path, headers);
    if (method == "PUT") return client.Put(path, headers, text, content_type);
    if (method == "DELETE") return client.Delete(path, headers, text, content_type);
    return client.Post(path, headers, text, content_type);
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body, nullptr, false);
}

}  // namespace

TEST_CASE("the API key as Basic user name authenticates, anything else is 401", "[freshdesk_sim]") {
  FreshdeskSim sim;
  const int64_t id = sim.create_ticket();
  const std::string path = "/api/v2/tickets/" + std::to_string(id);
  CHECK(sim.api("GET", path)->status == 200);
  auto wrong = sim.api("GET", path, nullptr, "other-key");
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(body_of(wrong)["code"] == "invalid_credentials");
  auto none = sim.control("GET", "/api/v2/tickets/" + std::to_string(id));
  CHECK(none->status == 401);
}

TEST_CASE("a ticket reads in Freshdesk's shape and updates partially", "[freshdesk_sim]") {
  FreshdeskSim sim;
  const int64_t id = sim.create_ticket({{"priority", 3},
                                        {"tags", {"tier1"}},
                                        {"custom_fields", {{"cf_route", "Tier 1"}}},
                                        {"updated_at", "2026-01-05T10:00:00Z"}});
  const std::string path = "/api/v2/tickets/" + std::to_string(id);

  json t = body_of(sim.api("GET", path));
  CHECK(t["status"] == 2);
  CHECK(t["priority"] == 3);
  CHECK(t["group_id"] == kTier1);
  CHECK(t["responder_id"].is_null());
  CHECK(t["tags"] == json::array({"tier1"}));
  CHECK(t["updated_at"] == "2026-01-05T10:00:00Z");

  auto put = sim.api("PUT", path,
                     {{"group_id", kTier2},
                      {"responder_id", kAnn},
                      {"tags", {"tier1", "escalated_t2"}},
                      {"custom_fields", {{"cf_route", "Tier 2"}}}});
  REQUIRE(put->status == 200);
  json after = body_of(put);
  CHECK(after["group_id"] == kTier2);
  CHECK(after["responder_id"] == kAnn);
  CHECK(after["priority"] == 3);  // not sent, not changed
  CHECK(after["custom_fields"]["cf_route"] == "Tier 2");
  CHECK(after["updated_at"] != "2026-01-05T10:00:00Z");
  auto updated = tierd::parse_instant(after["updated_at"].get<std::string>());
  REQUIRE(updated.ok());
  CHECK(after["updated_at"].get<std::string>().back() == 'Z');

  // tags replace the whole list
  CHECK(body_of(sim.api("PUT", path, {{"tags", {"vip"}}}))["tags"] == json::array({"vip"}));
  // null clears the agent
  CHECK(body_of(sim.api("PUT", path, {{"responder_id", nullptr}}))["responder_id"].is_null());

  SECTION("invalid members give 400 with every error and change nothing") {
    auto bad = sim.api("PUT", path, {{"status", 9}, {"group_id", 1}, {"colour", "red"}});
    REQUIRE(bad->status == 400);
    json e = body_of(bad);
    CHECK(e["description"] == "Validation failed");
    REQUIRE(e["errors"].size() == 3);
    std::map<std::string, std::string> codes;
    for (const auto& err : e["errors"]) {
      CHECK(err["message"].is_string());
      codes[err["field"].get<std::string>()] = err["code"].get<std::string>();
    }
    CHECK(codes["status"] == "invalid_value");
    CHECK(codes["group_id"] == "invalid_value");
    CHECK(codes["colour"] == "invalid_field");
    CHECK(body_of(sim.api("GET", path))["group_id"] == kTier2);
    CHECK(sim.api("PUT", path, {{"priority", "high"}})->status == 400);
  }
  SECTION("unknown tickets are 404, bodies must be JSON") {
    CHECK(sim.api("GET", "/api/v2/tickets/999999")->status == 404);
    CHECK(sim.api("PUT", "/api/v2/tickets/999999", {{"priority", 1}})->status == 404);
    auto xml = sim.api("PUT", path, "<ticket/>", "key-1", "application/xml");
    REQUIRE(xml);
    CHECK(xml->status == 415);
  }
}

TEST_CASE("notes are added and conversations page with the link header", "[freshdesk_sim]") {
  FreshdeskSim sim;
  const int64_t id = sim.create_ticket();
  const std::string path = "/api/v2/tickets/" + std::to_string(id);
  for (int i = 0; i < 5; ++i) {
    auto r = sim.api("POST", path + "/notes",
                     {{"body", "<p>note " + std::to_string(i) + "</p>"},
                      {"private", true},
                      {"notify_emails", {"ann@example.com"}}});
    REQUIRE(r->status == 201);
    CHECK(r->has_header("Location"));
    CHECK(body_of(r)["private"] == true);
  }
  CHECK(sim.api("POST", path + "/notes", {{"private", true}})->status == 400);

  auto page1 = sim.api("GET", path + "/conversations?per_page=2");
  REQUIRE(page1->status == 200);
  CHECK(body_of(page1).size() == 2);
  std::string link = page1->get_header_value("link");
  REQUIRE(link.find("rel=\"next\"") != std::string::npos);
  const std::string next = link.substr(link.find("/api/v2"), link.find('>') - link.find("/api/v2"));
  CHECK(next.find("page=2") != std::string::npos);
  auto page3 = sim.api("GET", path + "/conversations?per_page=2&page=3");
  CHECK(body_of(page3).size() == 1);
  CHECK_FALSE(page3->has_header("link"));
  CHECK(body_of(page3)[0]["body"] == "<p>note 4</p>");
  CHECK(sim.api("GET", path + "/conversations?per_page=101")->status == 400);

  json full = body_of(sim.control("GET", "/sim/tickets/" + std::to_string(id)));
  CHECK(full["notes"].size() == 5);
}

TEST_CASE("the ticket list filters by updated_since, orders, pages and caps at 300 pages",
          "[freshdesk_sim]") {
  FreshdeskSim sim;
  sim.create_ticket({{"updated_at", "2026-01-01T00:00:00Z"}});
  for (int i = 0; i < 3; ++i) {
    sim.create_ticket({{"updated_at", "2026-02-0" + std::to_string(3 - i) + "T00:00:00Z"}});
  }
  auto r = sim.api("GET",
                   "/api/v2/tickets?updated_since=2026-01-15T00:00:00Z&order_by=updated_at&"
                   "order_type=asc&per_page=2&page=1");
  REQUIRE(r->status == 200);
  json page = body_of(r);
  REQUIRE(page.size() == 2);
  CHECK(page[0]["updated_at"] == "2026-02-01T00:00:00Z");
  CHECK(page[1]["updated_at"] == "2026-02-02T00:00:00Z");
  CHECK_FALSE(page[0].contains("description"));
  CHECK(r->get_header_value("link").find("page=2") != std::string::npos);
  json last = body_of(sim.api("GET",
                              "/api/v2/tickets?updated_since=2026-01-15T00:00:00Z&order_by="
                              "updated_at&order_type=asc&per_page=2&page=2"));
  CHECK(last.size() == 1);
  CHECK(sim.api("GET", "/api/v2/tickets?updated_since=2026-01-15T00:00:00Z&page=301")->status ==
        400);
}

TEST_CASE("agents, groups and watchers", "[freshdesk_sim]") {
  FreshdeskSim sim;
  json me = body_of(sim.api("GET", "/api/v2/agents/me"));
  CHECK(me["contact"]["email"] == "admin@example.com");
  json agents = body_of(sim.api("GET", "/api/v2/agents"));
  CHECK(agents.size() == 2);
  json group = body_of(sim.api("GET", "/api/v2/groups/" + std::to_string(kTier1)));
  CHECK(group["agent_ids"] == json::array({kAnn}));
  json groups = body_of(sim.api("GET", "/api/v2/groups"));
  REQUIRE(groups.size() == 2);
  CHECK_FALSE(groups[0].contains("agent_ids"));

  const int64_t id = sim.create_ticket();
  const std::string path = "/api/v2/tickets/" + std::to_string(id);
  CHECK(sim.api("POST", path + "/watch", {{"user_id", kAnn}})->status == 204);
  CHECK(body_of(sim.api("GET", path + "/watchers"))["watcher_ids"] == json::array({kAnn}));
}

TEST_CASE("bulk_update answers 202 with a job whose results say per ticket", "[freshdesk_sim]") {
  FreshdeskSim sim({"--job-delay-ms", "50"});
  const int64_t a = sim.create_ticket();
  const int64_t b = sim.create_ticket();
  auto r =
      sim.api("POST", "/api/v2/tickets/bulk_update",
              {{"bulk_action", {{"ids", {a, b, 777777}}, {"properties", {{"group_id", kTier2}}}}}});
  REQUIRE(r->status == 202);
  json accepted = body_of(r);
  const std::string job_path = "/api/v2/jobs/" + accepted["job_id"].get<std::string>();
  CHECK(accepted["href"].get<std::string>().find(job_path) != std::string::npos);
  json job;
  for (int i = 0; i < 100; ++i) {
    job = body_of(sim.api("GET", job_path));
    if (job["status"] != "IN PROGRESS") break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(job["status"] == "COMPLETED");
  REQUIRE(job["data"].size() == 3);
  CHECK(job["data"][0]["success"] == true);
  CHECK(job["data"][2]["success"] == false);
  CHECK(body_of(sim.api("GET", "/api/v2/tickets/" + std::to_string(b)))["group_id"] == kTier2);
  CHECK(sim.api("POST", "/api/v2/tickets/bulk_update", {{"bulk_action", {{"ids", json::array()}}}})
            ->status == 400);
}

TEST_CASE("every request spends the minute's budget, and a spent one is 429 with Retry-After",
          "[freshdesk_sim]") {
  FreshdeskSim sim({"--rate-limit", "3"});
  auto first = sim.api("GET", "/api/v2/agents/me");
  CHECK(first->get_header_value("X-RateLimit-Total") == "3");
  CHECK(first->get_header_value("X-RateLimit-Remaining") == "2");
  CHECK(first->get_header_value("X-RateLimit-Used-CurrentRequest") == "1");
  CHECK(sim.api("GET", "/api/v2/agents/me", nullptr, "wrong")->status == 401);  // counts too
  CHECK(sim.api("GET", "/api/v2/agents/me")->status == 200);
  auto spent = sim.api("GET", "/api/v2/agents/me");
  REQUIRE(spent->status == 429);
  const int retry_after = std::stoi(spent->get_header_value("Retry-After"));
  CHECK(retry_after > 0);
  CHECK(retry_after <= 60);
  CHECK(spent->get_header_value("X-RateLimit-Remaining") == "0");
  REQUIRE(sim.control("DELETE", "/sim/rate_limits")->status == 200);
  CHECK(sim.api("GET", "/api/v2/agents/me")->status == 200);
}

TEST_CASE("ticket updates spend the plan's Update Ticket limit besides the account's",
          "[freshdesk_sim]") {
  FreshdeskSim sim({"--rate-limit", "10", "--update-limit", "2"});
  const int64_t id = sim.create_ticket();
  const std::string path = "/api/v2/tickets/" + std::to_string(id);
  CHECK(sim.api("PUT", path, {{"priority", 2}})->status == 200);
  CHECK(sim.api("PUT", path, {{"priority", 3}})->status == 200);
  auto spent = sim.api("PUT", path, {{"priority", 4}});
  REQUIRE(spent->status == 429);
  CHECK(std::stoi(spent->get_header_value("Retry-After")) > 0);
  // Reads and notes are not ticket updates: the account's budget still has room.
  CHECK(sim.api("GET", path)->status == 200);
  CHECK(sim.api("POST", path + "/notes", {{"body", "still here"}, {"private", true}})->status ==
        201);
  REQUIRE(sim.control("DELETE", "/sim/rate_limits")->status == 200);
  CHECK(sim.api("PUT", path, {{"priority", 4}})->status == 200);
}

TEST_CASE("faults answer the next requests to a path", "[freshdesk_sim]") {
  FreshdeskSim sim;
  const int64_t id = sim.create_ticket();
  const std::string path = "/api/v2/tickets/" + std::to_string(id);
  SECTION("a status with Retry-After, count times") {
    REQUIRE(sim.control("POST", "/sim/faults",
                        {{"path_prefix", path}, {"status", 503}, {"retry_after", 4}, {"count", 2}})
                ->status == 201);
    auto r = sim.api("GET", path);
    CHECK(r->status == 503);
    CHECK(r->get_header_value("Retry-After") == "4");
    CHECK(sim.api("GET", path)->status == 503);
    CHECK(sim.api("GET", path)->status == 200);
  }
  SECTION("a list of faults, queued in order") {
    REQUIRE(sim.control("POST", "/sim/faults",
                        {{"faults",
                          {{{"path_prefix", path}, {"status", 429}, {"retry_after", 8}},
                           {{"path_prefix", path}, {"status", 503}}}}})
                ->status == 201);
    CHECK(sim.api("GET", path)->status == 429);
    CHECK(sim.api("GET", path)->status == 503);
    CHECK(sim.api("GET", path)->status == 200);
  }
  SECTION("a list with an invalid fault queues none") {
    REQUIRE(sim.control("POST", "/sim/faults",
                        {{"faults",
                          {{{"path_prefix", path}, {"status", 503}}, {{"path_prefix", path}}}}})
                ->status == 400);
    CHECK(body_of(sim.control("GET", "/sim/faults"))["faults"].empty());
  }
  SECTION("a dropped connection after the write applied") {
    REQUIRE(sim.control("POST", "/sim/faults", {{"method", "PUT"}, {"drop_after_apply", true}})
                ->status == 201);
    auto r = sim.api("PUT", path, {{"priority", 4}});
    CHECK_FALSE(r);
    CHECK(body_of(sim.api("GET", path))["priority"] == 4);
  }
  SECTION("a dropped connection without the write") {
    REQUIRE(sim.control("POST", "/sim/faults", {{"method", "PUT"}, {"drop_connection", true}})
                ->status == 201);
    CHECK_FALSE(sim.api("PUT", path, {{"priority", 4}}));
    CHECK(body_of(sim.api("GET", path))["priority"] == 1);
  }
}

TEST_CASE("the automation rule's webhook reaches tierd's parser", "[freshdesk_sim][webhooks]") {
  SECTION("custom header, creation and an agent's change") {
    WebhookReceiver receiver;
    FreshdeskSim sim({"--webhook-url", receiver.url(), "--webhook-secret", "s3cret"});
    const int64_t id = sim.create_ticket({{"tags", {"vip", "tier1"}}});
    REQUIRE(sim.control("PUT", "/sim/tickets/" + std::to_string(id),
                        {{"status", 3}, {"responder_id", kAnn}})
                ->status == 200);
    auto got = receiver.wait_for(2);
    REQUIRE(got.size() == 2);
    for (const auto& d : got) {
      auto it = d.headers.find("X-Tierd-Webhook-Secret");
      REQUIRE(it != d.headers.end());
      CHECK(it->second == "s3cret");
    }
    auto created = tierd::freshdesk::parse_webhook_delivery(got[0].raw, tierd::Instant{});
    REQUIRE(created.ok());
    auto updated = tierd::freshdesk::parse_webhook_delivery(got[1].raw, tierd::Instant{});
    REQUIRE(updated.ok());
    CHECK(got[0].body["event"] == "{ticket_action:created}");
    CHECK(got[0].body["ticket"]["tags"] == "vip, tier1");
    CHECK(got[1].body["event"] == "{status:{from:2,to:3}}");  // the first change only
    CHECK(got[1].body["ticket"]["status"] == "Pending");
    CHECK(got[1].body["ticket"]["responder_id"] == std::to_string(kAnn));
    CHECK(got[1].body["rule"] == "tierd: ticket updates");
  }
  SECTION("Basic auth, and a failed delivery is retried") {
    WebhookReceiver receiver(/*fail_first=*/1);
    FreshdeskSim sim({"--webhook-url", receiver.url(), "--webhook-auth", "basic",
                      "--webhook-secret", "pw", "--webhook-retry-delays-ms", "50", "50", "50"});
    sim.create_ticket();
    auto got = receiver.wait_for(1);
    REQUIRE(got.size() == 1);
    auto it = got[0].headers.find("Authorization");
    REQUIRE(it != got[0].headers.end());
    CHECK(it->second == "Basic " + tierd::base64_encode("freshdesk:pw"));
    json deliveries;
    for (int i = 0; i < 100; ++i) {  // the sender records the answer after it arrives
      deliveries = body_of(sim.control("GET", "/sim/webhooks"))["deliveries"];
      if (deliveries.size() == 1 && deliveries[0]["outcome"] != "pending") break;
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE(deliveries.size() == 1);
    CHECK(deliveries[0]["attempts"] == 2);
    CHECK(deliveries[0]["outcome"] == "delivered");
  }
  SECTION("paused, deliveries are dropped, pending retries too, until resumed") {
    WebhookReceiver receiver(/*fail_first=*/1);
    FreshdeskSim sim({"--webhook-url", receiver.url(), "--webhook-secret", "s3cret",
                      "--webhook-retry-delays-ms", "60000"});
    const int64_t retried = sim.create_ticket();
    json deliveries;
    for (int i = 0; i < 100; ++i) {  // refused once; its retry waits a minute
      deliveries = body_of(sim.control("GET", "/sim/webhooks"))["deliveries"];
      if (deliveries.size() == 1 && deliveries[0]["attempts"] == 1) break;
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE(deliveries[0]["attempts"] == 1);
    REQUIRE(sim.control("POST", "/sim/webhooks/pause")->status == 200);
    const int64_t lost = sim.create_ticket();
    REQUIRE(sim.control("POST", "/sim/webhooks/resume")->status == 200);
    const int64_t heard = sim.create_ticket();
    auto got = receiver.wait_for(1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].body["ticket"]["id"] == std::to_string(heard));
    for (int i = 0; i < 100; ++i) {  // the sender records the answer after it arrives
      deliveries = body_of(sim.control("GET", "/sim/webhooks"))["deliveries"];
      if (deliveries.size() == 3 && deliveries[2]["outcome"] != "pending") break;
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE(deliveries.size() == 3);
    CHECK(deliveries[0]["ticket_id"] == retried);
    CHECK(deliveries[0]["outcome"] == "dropped");
    CHECK(deliveries[1]["ticket_id"] == lost);
    CHECK(deliveries[1]["outcome"] == "dropped");
    CHECK(deliveries[1]["error"] == "webhooks paused");
    CHECK(deliveries[2]["outcome"] == "delivered");
  }
}

TEST_CASE("the request log times each request to the millisecond", "[freshdesk_sim]") {
  FreshdeskSim sim;
  REQUIRE(sim.api("GET", "/api/v2/agents/me")->status == 200);
  std::this_thread::sleep_for(20ms);
  REQUIRE(sim.api("GET", "/api/v2/agents/me")->status == 200);
  const json log = body_of(sim.control("GET", "/sim/requests"))["requests"];
  REQUIRE(log.size() == 2);
  auto first = tierd::parse_instant(log[0]["time"].get<std::string>());
  auto second = tierd::parse_instant(log[1]["time"].get<std::string>());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(*second - *first >= 20ms);
  CHECK(*second - *first < 5s);
}

namespace {

// A rule as `tierd setup` would write it, POSTing to `url`.
json webhook_rule(const std::string& name, const std::string& url, json extra = json::object()) {
  json rule = {{"name", name},
               {"active", true},
               {"actions",
                {{{"field_name", "trigger_webhook"},
                  {"request_type", "POST"},
                  {"url", url},
                  {"content_type", "JSON"},
                  {"content_layout", "2"},
                  {"custom_headers", {{"X-Tierd-Webhook-Secret", "s3cret"}}},
                  {"content",
                   {{"source", "freshdesk_rule"},
                    {"rule", name},
                    {"event", "{{triggered_event}}"},
                    {"ticket",
                     {{"id", "{{ticket.id}}"},
                      {"status", "{{ticket.status}}"},
                      {"priority", "{{ticket.priority}}"},
                      {"group_id", "{{ticket.group.id}}"},
                      {"responder_id", "{{ticket.agent.id}}"},
                      {"tags", "{{ticket.tags}}"},
                      {"source", "{{ticket.source}}"},
                      {"updated_at", "{{ticket.updated_at}}"}}}}}}}}};
  rule.update(extra);
  return rule;
}

json update_events() {
  return json::parse(R"([{"field_name": "status", "from": "--", "to": "--"},
                         {"field_name": "group_id", "from": "--", "to": "--"}])");
}

}  // namespace

TEST_CASE("automation rules are listed, created, read, replaced and deleted",
          "[freshdesk_sim][automations]") {
  FreshdeskSim sim;
  auto created = sim.api("POST", "/api/v2/automations/1/rules", webhook_rule("one", "http://x/"));
  REQUIRE(created->status == 201);
  const json rule = body_of(created);
  const std::string path = "/api/v2/automations/1/rules/" + std::to_string(rule["id"].get<int>());
  CHECK(rule["active"] == true);
  CHECK(rule["position"] == 1);
  CHECK(rule["outdated"] == false);
  CHECK(body_of(sim.api("GET", "/api/v2/automations/1/rules")).size() == 1);
  CHECK(body_of(sim.api("GET", "/api/v2/automations/4/rules")).empty());
  CHECK(body_of(sim.api("GET", path))["name"] == "one");

  auto replaced = sim.api("PUT", path, {{"name", "two"}, {"active", false}});
  REQUIRE(replaced->status == 200);
  CHECK(body_of(replaced)["name"] == "two");
  CHECK(body_of(sim.api("GET", path))["actions"][0]["url"] == "http://x/");  // kept

  CHECK(sim.api("DELETE", path)->status == 204);
  CHECK(sim.api("GET", path)->status == 404);
  CHECK(sim.api("GET", "/api/v2/automations/3/rules")->status == 404);  // hourly: not simulated
  CHECK(sim.api("GET", "/api/v2/automations/1/rules", nullptr, "wrong")->status == 401);
}

TEST_CASE("an invalid rule is a 400 in Freshdesk's validation shape",
          "[freshdesk_sim][automations]") {
  FreshdeskSim sim;
  auto errors_of = [&](int type, const json& body) {
    auto r = sim.api("POST", "/api/v2/automations/" + std::to_string(type) + "/rules", body);
    REQUIRE(r->status == 400);
    const json answer = body_of(r);
    CHECK(answer["description"] == "Validation failed");
    std::map<std::string, std::string> by_field;
    for (const auto& e : answer["errors"]) by_field[e["field"]] = e["code"];
    return by_field;
  };
  json no_name = webhook_rule("x", "http://x/");
  no_name.erase("name");
  CHECK(errors_of(1, no_name)["name"] == "missing_field");
  CHECK(errors_of(1, webhook_rule("x", "not a url"))["url"] == "invalid_value");
  // performer and events belong to ticket-update rules only.
  CHECK(errors_of(1, webhook_rule("x", "http://x/", {{"performer", {{"type", 3}}}}))["performer"] ==
        "invalid_field");
  auto update = errors_of(4, webhook_rule("x", "http://x/"));
  CHECK(update["performer"] == "missing_field");
  CHECK(update["events"] == "missing_field");
  CHECK(errors_of(4, webhook_rule("x", "http://x/",
                                  {{"performer", {{"type", 1}, {"members", {999}}}},
                                   {"events", update_events()}}))["performer"] == "invalid_value");
}

TEST_CASE("API-created rules fire their webhook and the update rule leaves out agents not named",
          "[freshdesk_sim][automations][webhooks]") {
  WebhookReceiver receiver;
  FreshdeskSim sim;
  REQUIRE(sim.api("POST", "/api/v2/automations/1/rules",
                  webhook_rule("tierd: ticket creation", receiver.url()))
              ->status == 201);
  json update = webhook_rule(
      "tierd: ticket updates", receiver.url(),
      {{"performer", {{"type", 1}, {"members", {kAnn}}}}, {"events", update_events()}});
  update["actions"][0].erase("custom_headers");
  update["actions"][0]["auth_header"] = {{"username", "fd"}, {"password", "pw"}};
  REQUIRE(sim.api("POST", "/api/v2/automations/4/rules", update)->status == 201);
  // An inactive rule and one whose condition does not hold never fire.
  REQUIRE(sim.api("POST", "/api/v2/automations/1/rules",
                  webhook_rule("off", receiver.url(), {{"active", false}}))
              ->status == 201);
  REQUIRE(sim.api("POST", "/api/v2/automations/1/rules",
                  webhook_rule("urgent only", receiver.url(),
                               {{"conditions",
                                 {{{"name", "condition_set_1"},
                                   {"match_type", "all"},
                                   {"properties",
                                    {{{"resource_type", "ticket"},
                                      {"field_name", "priority"},
                                      {"operator", "is"},
                                      {"value", 4}}}}}}}}))
              ->status == 201);

  const int64_t id = sim.create_ticket();
  const std::string ticket = "/tickets/" + std::to_string(id);
  // The API key's own update (tierd's write) and a priority change fire nothing.
  REQUIRE(sim.api("PUT", "/api/v2" + ticket, {{"group_id", kTier2}})->status == 200);
  REQUIRE(
      sim.control("PUT", "/sim" + ticket + "?agent_id=" + std::to_string(kAnn), {{"priority", 3}})
          ->status == 200);
  // Ann's status change does.
  REQUIRE(sim.control("PUT", "/sim" + ticket + "?agent_id=" + std::to_string(kAnn), {{"status", 3}})
              ->status == 200);
  // Deliveries go out in the order they were queued: one fired by the
  // earlier updates would arrive before Ann's.
  auto got = receiver.wait_for(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].body["rule"] == "tierd: ticket creation");
  CHECK(got[0].body["event"] == "{ticket_action:created}");
  CHECK(got[0].headers.find("X-Tierd-Webhook-Secret")->second == "s3cret");
  REQUIRE(tierd::freshdesk::parse_webhook_delivery(got[0].raw, tierd::Instant{}).ok());
  CHECK(got[1].body["rule"] == "tierd: ticket updates");
  CHECK(got[1].body["event"] == "{status:{from:2,to:3}}");
  CHECK(got[1].body["ticket"]["group_id"] == std::to_string(kTier2));
  CHECK(got[1].headers.find("Authorization")->second == "Basic " + tierd::base64_encode("fd:pw"));
  REQUIRE(tierd::freshdesk::parse_webhook_delivery(got[1].raw, tierd::Instant{}).ok());
}

TEST_CASE("the built-in demo seeds the demo's account and plays customers and agents",
          "[freshdesk_sim][demo]") {
  // At 40 times the pace a ticket comes every 0.1 s and an agent acts 0.15 s
  // or 0.25 s after it.
  FreshdeskSim sim({"--demo", "builtin", "--demo-speed", "40"});
  const json group = body_of(sim.api("GET", "/api/v2/groups/114001"));
  CHECK(group["name"] == "Tier 1");
  CHECK(body_of(sim.api("GET", "/api/v2/agents/500777"))["id"] == 500777);
  json answered;
  for (int i = 0; i < 100 && answered.is_null(); ++i) {
    for (int64_t id = 1; id <= 8; ++id) {
      auto r = sim.control("GET", "/sim/tickets/" + std::to_string(id));
      if (r->status != 200) continue;
      const json t = body_of(r);
      if (t["status"] != 2) answered = t;
    }
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(answered.is_object());
  CHECK((answered["status"] == 3 || answered["status"] == 4));
  CHECK(answered["responder_id"].is_number());
  const json first = body_of(sim.control("GET", "/sim/tickets/1"));
  CHECK(first["subject"] == "Wrong VAT on March invoice");
  CHECK(first["group_id"] == 114001);
}
