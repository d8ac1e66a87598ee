// zendesk-sim's account-admin endpoints over HTTP: the Webhooks API (CRUD,
// validation, paging, signing secrets), deliveries to an API-created webhook
// signed with its own secret, and the Ticket Fields API.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <memory>
#include <mutex>
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

constexpr const char* kToken = "admin-test-token";

// A simulator started without --webhook-url, with an API client and a
// control client.
class Sim {
 public:
  Sim() {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{ZENDESK_SIM_BINARY, "--port", "0", "--token", kToken},
        std::map<std::string, std::string>{}, dir_.file("sim.log"));
    auto port = wait_for_listening_port(*process_, 10s);
    REQUIRE(port);
    api = std::make_unique<SimClient>(*port);
    api->use_token("admin@example.com", kToken);
    control = std::make_unique<SimClient>(*port);
  }
  std::unique_ptr<SimClient> api;
  std::unique_ptr<SimClient> control;

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
};

json event_webhook(const std::string& name, const std::string& endpoint) {
  return {{"webhook",
           {{"name", name},
            {"status", "active"},
            {"endpoint", endpoint},
            {"http_method", "POST"},
            {"request_format", "json"},
            {"subscriptions",
             {"zen:event-type:ticket.created", "zen:event-type:ticket.status_changed"}}}}};
}

std::string header(const httplib::Headers& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

}  // namespace

TEST_CASE("webhooks are created, shown, listed, updated and deleted", "[sim][account_admin]") {
  Sim sim;
  SimReply created =
      sim.api->post("/api/v2/webhooks", event_webhook("tierd", "https://t.example/w"));
  REQUIRE(created.status == 201);
  const json w = created.body["webhook"];
  const std::string id = w["id"];
  CHECK(id.size() == 26);
  CHECK(w["name"] == "tierd");
  CHECK(w["status"] == "active");
  CHECK(w["endpoint"] == "https://t.example/w");
  CHECK(w["subscriptions"].size() == 2);
  CHECK(w["created_at"].is_string());
  CHECK_FALSE(w.contains("signing_secret"));

  SimReply shown = sim.api->get("/api/v2/webhooks/" + id);
  REQUIRE(shown.status == 200);
  CHECK(shown.body["webhook"] == w);

  json replaced = event_webhook("tierd", "https://t2.example/w");
  replaced["webhook"]["status"] = "inactive";
  CHECK(sim.api->put("/api/v2/webhooks/" + id, replaced).status == 204);
  CHECK(sim.api->get("/api/v2/webhooks/" + id).body["webhook"]["endpoint"] ==
        "https://t2.example/w");
  CHECK(sim.api->patch("/api/v2/webhooks/" + id, {{"webhook", {{"status", "active"}}}}).status ==
        204);
  json after = sim.api->get("/api/v2/webhooks/" + id).body["webhook"];
  CHECK(after["status"] == "active");
  CHECK(after["endpoint"] == "https://t2.example/w");  // PATCH leaves the rest alone

  CHECK(sim.api->del("/api/v2/webhooks/" + id).status == 204);
  SimReply gone = sim.api->get("/api/v2/webhooks/" + id);
  CHECK(gone.status == 404);
  CHECK(gone.body["errors"][0]["code"] == "NotFound");
}

TEST_CASE("PUT replaces a webhook but keeps its subscriptions, PATCH changes only what it names",
          "[sim][account_admin]") {
  Sim sim;
  json spec = event_webhook("tierd", "https://t.example/w");
  spec["webhook"]["description"] = "Ticket events for tierd";
  spec["webhook"]["authentication"] = {
      {"type", "bearer_token"}, {"add_position", "header"}, {"data", {{"token", "s3cret"}}}};
  SimReply created = sim.api->post("/api/v2/webhooks", spec);
  REQUIRE(created.status == 201);
  const std::string id = created.body["webhook"]["id"];
  CHECK(created.body["webhook"]["authentication"]["type"] == "bearer_token");
  CHECK_FALSE(created.body["webhook"]["authentication"].contains("data"));  // write-only

  SECTION("PATCH keeps authentication and description") {
    CHECK(
        sim.api
            ->patch("/api/v2/webhooks/" + id, {{"webhook", {{"endpoint", "https://t2.example/w"}}}})
            .status == 204);
    json w = sim.api->get("/api/v2/webhooks/" + id).body["webhook"];
    CHECK(w["endpoint"] == "https://t2.example/w");
    CHECK(w["authentication"]["type"] == "bearer_token");
    CHECK(w["description"] == "Ticket events for tierd");
    CHECK(w["subscriptions"].size() == 2);
    // null clears an optional field; a required one cannot be cleared.
    CHECK(sim.api->patch("/api/v2/webhooks/" + id, {{"webhook", {{"description", nullptr}}}})
              .status == 204);
    CHECK_FALSE(sim.api->get("/api/v2/webhooks/" + id).body["webhook"].contains("description"));
    CHECK(sim.api->patch("/api/v2/webhooks/" + id, {{"webhook", {{"name", nullptr}}}}).status ==
          400);
  }
  SECTION("PUT without authentication or description drops them, but keeps subscriptions") {
    json put = event_webhook("tierd", "https://t2.example/w");
    put["webhook"].erase("subscriptions");
    CHECK(sim.api->put("/api/v2/webhooks/" + id, put).status == 204);
    json w = sim.api->get("/api/v2/webhooks/" + id).body["webhook"];
    CHECK(w["endpoint"] == "https://t2.example/w");
    CHECK_FALSE(w.contains("authentication"));
    CHECK_FALSE(w.contains("description"));
    CHECK(w["subscriptions"] == created.body["webhook"]["subscriptions"]);
  }
}

TEST_CASE("webhook writes are validated as Zendesk documents", "[sim][account_admin]") {
  Sim sim;
  auto refused = [&](json body, const std::string& pointer) {
    SimReply r = sim.api->post("/api/v2/webhooks", body);
    INFO(r.body.dump());
    CHECK(r.status == 400);
    REQUIRE(r.body["errors"].is_array());
    CHECK(r.body["errors"][0]["source"]["pointer"] == "/webhook/" + pointer);
  };
  json get = event_webhook("x", "https://t.example/w");
  get["webhook"]["http_method"] = "GET";
  refused(get, "http_method");  // event subscriptions need POST
  json xml = event_webhook("x", "https://t.example/w");
  xml["webhook"]["request_format"] = "xml";
  refused(xml, "request_format");  // ... and json
  json mixed = event_webhook("x", "https://t.example/w");
  mixed["webhook"]["subscriptions"].push_back("conditional_ticket_events");
  refused(mixed, "subscriptions");
  json no_name = event_webhook("x", "https://t.example/w");
  no_name["webhook"].erase("name");
  refused(no_name, "name");
  refused(event_webhook("x", "ftp://t.example/w"), "endpoint");

  // A trigger-connected webhook may use another method and format, but
  // cannot later be switched to event subscriptions.
  json trigger = event_webhook("trigger", "https://t.example/w");
  trigger["webhook"]["http_method"] = "PUT";
  trigger["webhook"]["subscriptions"] = {"conditional_ticket_events"};
  SimReply t = sim.api->post("/api/v2/webhooks", trigger);
  REQUIRE(t.status == 201);
  SimReply switched = sim.api->put("/api/v2/webhooks/" + t.body["webhook"]["id"].get<std::string>(),
                                   event_webhook("trigger", "https://t.example/w"));
  CHECK(switched.status == 400);
  CHECK(sim.api->get("/api/v2/webhooks").body["webhooks"].size() == 1);
}

TEST_CASE("the webhook list filters by name and pages with a cursor", "[sim][account_admin]") {
  Sim sim;
  for (const char* name : {"tierd one", "crm", "TIERD two", "tierd three"}) {
    REQUIRE(sim.api->post("/api/v2/webhooks", event_webhook(name, "https://t.example/w")).status ==
            201);
  }
  std::set<std::string> names;
  std::string path = "/api/v2/webhooks?page%5Bsize%5D=2&filter%5Bname_contains%5D=tierd";
  int pages = 0;
  while (!path.empty() && pages < 5) {
    SimReply page = sim.api->get(path);
    REQUIRE(page.status == 200);
    ++pages;
    for (const auto& w : page.body["webhooks"]) names.insert(w["name"].get<std::string>());
    CHECK(page.body["webhooks"].size() <= 2);
    if (page.body["meta"]["has_more"].get<bool>()) {
      CHECK(page.body["meta"]["after_cursor"].is_string());
      const std::string next = page.body["links"]["next"];
      path = next.substr(next.find("/api/v2/"));
    } else {
      CHECK(page.body["links"]["next"].is_null());
      path.clear();
    }
  }
  CHECK(pages == 2);
  CHECK(names == std::set<std::string>{"tierd one", "TIERD two", "tierd three"});
}

TEST_CASE("each webhook has its own signing secret, which can be reset", "[sim][account_admin]") {
  Sim sim;
  auto secret_of = [&](const std::string& id) {
    SimReply r = sim.api->get("/api/v2/webhooks/" + id + "/signing_secret");
    REQUIRE(r.status == 200);
    CHECK(r.body["signing_secret"]["algorithm"] == "SHA256");
    return r.body["signing_secret"]["secret"].get<std::string>();
  };
  const std::string a = sim.api->post("/api/v2/webhooks", event_webhook("a", "https://t.example/a"))
                            .body["webhook"]["id"];
  const std::string b = sim.api->post("/api/v2/webhooks", event_webhook("b", "https://t.example/b"))
                            .body["webhook"]["id"];
  const std::string secret_a = secret_of(a);
  CHECK(secret_a.size() >= 40);
  CHECK(secret_a == secret_of(a));
  CHECK(secret_a != secret_of(b));
  SimReply reset = sim.api->post("/api/v2/webhooks/" + a + "/signing_secret", json::object());
  REQUIRE(reset.status == 201);
  CHECK(reset.body["signing_secret"]["secret"] != secret_a);
  CHECK(secret_of(a) == reset.body["signing_secret"]["secret"]);
}

TEST_CASE("an API-created webhook receives its subscribed events signed with its secret",
          "[sim][account_admin]") {
  Sim sim;
  WebhookReceiver receiver;
  WebhookReceiver inactive_receiver;
  const std::string id = sim.api->post("/api/v2/webhooks", event_webhook("tierd", receiver.url()))
                             .body["webhook"]["id"];
  json inactive = event_webhook("off", inactive_receiver.url());
  inactive["webhook"]["status"] = "inactive";
  REQUIRE(sim.api->post("/api/v2/webhooks", inactive).status == 201);
  const std::string secret =
      sim.api->get("/api/v2/webhooks/" + id + "/signing_secret").body["signing_secret"]["secret"];

  REQUIRE(sim.control->post("/sim/groups", {{"groups", {{{"id", 114001}}}}}).status == 201);
  SimReply t = sim.control->post(
      "/sim/tickets",
      {{"ticket", {{"subject", "Hi"}, {"comment", {{"body", "Help"}}}, {"group_id", 114001}}}});
  REQUIRE(t.status == 201);
  const int64_t ticket = t.body["ticket"]["id"];
  // Subscribed to created and status_changed only: the priority change is not sent.
  REQUIRE(sim.control
              ->put("/sim/tickets/" + std::to_string(ticket),
                    {{"ticket", {{"priority", "high"}}}, {"actor_id", 400001}})
              .status == 200);
  REQUIRE(sim.control
              ->put("/sim/tickets/" + std::to_string(ticket),
                    {{"ticket", {{"status", "open"}}}, {"actor_id", 400001}})
              .status == 200);

  auto got = receiver.wait_for(2);
  REQUIRE(got.size() == 2);
  std::vector<std::string> types;
  for (const auto& r : got) {
    const json body = json::parse(r.raw);
    types.push_back(body["type"]);
    CHECK(header(r.headers, "x-zendesk-webhook-id") == id);
    const std::string timestamp = header(r.headers, "x-zendesk-webhook-signature-timestamp");
    CHECK(header(r.headers, "x-zendesk-webhook-signature") ==
          tierd::zendesk::compute_signature(secret, timestamp, r.raw));
    CHECK(header(r.headers, "x-zendesk-webhook-signature") !=
          tierd::zendesk::compute_signature(tierd::zendesk::kTestSigningSecret, timestamp, r.raw));
  }
  CHECK(types == std::vector<std::string>{"zen:event-type:ticket.created",
                                          "zen:event-type:ticket.status_changed"});
  std::this_thread::sleep_for(200ms);
  CHECK(receiver.count() == 2);
  CHECK(inactive_receiver.count() == 0);

  // The delivery log shows the API webhook's deliveries next to the
  // default target's (dropped: this simulator has no --webhook-url).
  const json deliveries = sim.control->get("/sim/webhooks").body["deliveries"];
  int delivered = 0;
  for (const auto& d : deliveries) {
    if (d["webhook_id"] == id) {
      CHECK(d["outcome"] == "delivered");
      ++delivered;
    } else {
      CHECK(d["outcome"] == "dropped");
    }
  }
  CHECK(delivered == 2);
}

TEST_CASE("ticket fields are listed, created, shown and updated", "[sim][account_admin]") {
  Sim sim;
  SimReply list = sim.api->get("/api/v2/ticket_fields");
  REQUIRE(list.status == 200);
  const size_t system_fields = list.body["ticket_fields"].size();
  CHECK(system_fields >= 5);
  CHECK(list.body["count"] == system_fields);
  CHECK(list.body["ticket_fields"][0]["title"] == "Subject");

  SimReply created = sim.api->post(
      "/api/v2/ticket_fields",
      {{"ticket_field",
        {{"type", "tagger"},
         {"title", "Forward to"},
         {"custom_field_options", {{{"name", "Billing"}, {"value", "fwd_billing"}}}}}}});
  REQUIRE(created.status == 201);
  const json field = created.body["ticket_field"];
  const int64_t id = field["id"];
  CHECK(field["type"] == "tagger");
  CHECK(field["active"] == true);
  REQUIRE(field["custom_field_options"].size() == 1);
  const int64_t billing_option = field["custom_field_options"][0]["id"];
  CHECK(sim.api->get("/api/v2/ticket_fields/" + std::to_string(id)).body["ticket_field"] == field);

  // An update replaces the options; an option whose value stays keeps its id.
  SimReply updated = sim.api->put("/api/v2/ticket_fields/" + std::to_string(id),
                                  {{"ticket_field",
                                    {{"custom_field_options",
                                      {{{"name", "Billing"}, {"value", "fwd_billing"}},
                                       {{"name", "Tech"}, {"value", "fwd_tech"}}}}}}});
  REQUIRE(updated.status == 200);
  const json options = updated.body["ticket_field"]["custom_field_options"];
  REQUIRE(options.size() == 2);
  CHECK(options[0]["id"] == billing_option);
  CHECK(options[1]["value"] == "fwd_tech");
  CHECK(updated.body["ticket_field"]["title"] == "Forward to");

  // The endpoint documents cursor paging, not per_page: one field per page
  // reaches the new field on the last page; per_page is not honoured.
  std::string path = "/api/v2/ticket_fields.json?page%5Bsize%5D=1";
  json last;
  size_t pages = 0;
  while (!path.empty() && pages < 50) {
    SimReply page = sim.api->get(path);
    REQUIRE(page.status == 200);
    ++pages;
    REQUIRE(page.body["ticket_fields"].size() == 1);
    last = page.body["ticket_fields"][0];
    CHECK_FALSE(page.body.contains("next_page"));
    const json next = page.body["links"]["next"];
    CHECK(page.body["meta"]["has_more"] == next.is_string());
    path = next.is_string()
               ? next.get<std::string>().substr(next.get<std::string>().find("/api/v2/"))
               : "";
  }
  CHECK(pages == system_fields + 1);
  CHECK(last["id"] == id);
  CHECK(sim.api->get("/api/v2/ticket_fields?per_page=1").body["ticket_fields"].size() ==
        system_fields + 1);
  CHECK(sim.api->get("/api/v2/ticket_fields?page%5Bsize%5D=0").status == 400);

  CHECK(sim.api->get("/api/v2/ticket_fields/999").status == 404);
}

TEST_CASE("ticket field writes are validated", "[sim][account_admin]") {
  Sim sim;
  auto invalid = [&](const json& field) {
    SimReply r = sim.api->post("/api/v2/ticket_fields", {{"ticket_field", field}});
    INFO(r.body.dump());
    CHECK(r.status == 422);
    CHECK(r.body["error"] == "RecordInvalid");
  };
  invalid({{"title", "No type"}});
  invalid({{"type", "tagger"}, {"title", "No options"}});
  invalid({{"type", "tagger"},
           {"title", "Twice"},
           {"custom_field_options",
            {{{"name", "A"}, {"value", "same"}}, {{"name", "B"}, {"value", "same"}}}}});
  invalid({{"type", "tagger"},
           {"title", "Spaces"},
           {"custom_field_options", {{{"name", "A"}, {"value", "not a tag"}}}}});
  invalid({{"type", "text"}, {"title", ""}});
  invalid({{"type", "spaceship"}, {"title", "Unknown"}});
}

TEST_CASE("the control API seeds a ticket field with a chosen id", "[sim][account_admin]") {
  Sim sim;
  SimReply seeded = sim.control->post(
      "/sim/ticket_fields",
      {{"ticket_field",
        {{"id", 360001234567},
         {"type", "tagger"},
         {"title", "Route"},
         {"custom_field_options", {{{"name", "Billing"}, {"value", "billing"}}}}}}});
  REQUIRE(seeded.status == 201);
  SimReply shown = sim.api->get("/api/v2/ticket_fields/360001234567");
  REQUIRE(shown.status == 200);
  CHECK(shown.body["ticket_field"]["title"] == "Route");
}
