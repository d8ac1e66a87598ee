// zendesk-sim as a real process on loopback: the Zendesk API subset, its
// limits and the control API's fault injection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <memory>
#include <regex>
#include <thread>

#include "sim/common/sim_client.h"
#include "support/process_harness.h"

using nlohmann::json;
using tierd::sim::SimClient;
using tierd::sim::SimReply;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

// One simulator process on a port it picked itself.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {ZENDESK_SIM_BINARY, "--port", "0"};
    if (std::find(extra_args.begin(), extra_args.end(), "--job-delay-ms") == extra_args.end()) {
      for (const char* a : {"--job-delay-ms", "50"}) argv.push_back(a);
    }
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                            dir_.file("sim.log"));
    auto port = wait_for_listening_port(*process_, 10s);
    REQUIRE(port);
    port_ = *port;
    REQUIRE(wait_for_http(port_, "/healthz", 5s));
  }
  int port() const { return port_; }
  Subprocess& process() { return *process_; }

  // A client authenticated with the default API token.
  std::unique_ptr<SimClient> api() const {
    auto c = std::make_unique<SimClient>(port_);
    c->use_token("admin@example.com", "sim-token");
    return c;
  }
  std::unique_ptr<SimClient> control() const { return std::make_unique<SimClient>(port_); }

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

// Groups 114001/114002 with agent 500120 in 114001 and 500122 in 114002.
void seed(SimClient& control) {
  REQUIRE(control
              .post("/sim/groups", {{"groups",
                                     {{{"id", 114001}, {"name", "Tier 1"}},
                                      {{"id", 114002}, {"name", "Tier 2"}}}}})
              .status == 201);
  REQUIRE(control
              .post("/sim/users",
                    {{"users",
                      {{{"id", 500120}, {"name", "Dana"}}, {{"id", 500122}, {"name", "Fatima"}}}}})
              .status == 201);
  REQUIRE(control
              .post("/sim/memberships", {{"memberships",
                                          {{{"user_id", 500120}, {"group_id", 114001}},
                                           {{"user_id", 500122}, {"group_id", 114002}}}}})
              .status == 201);
}

int64_t create_ticket(SimClient& control, const std::string& subject = "Printer on fire") {
  SimReply r = control.post("/sim/tickets", {{"ticket",
                                              {{"subject", subject},
                                               {"comment", {{"body", "Please help"}}},
                                               {"group_id", 114001},
                                               {"priority", "normal"}}}});
  REQUIRE(r.status == 201);
  return r.body["ticket"]["id"].get<int64_t>();
}

json wait_for_job(SimClient& api, const std::string& id) {
  json job;
  for (int i = 0; i < 100; ++i) {
    SimReply r = api.get("/api/v2/job_statuses/" + id + ".json");
    REQUIRE(r.status == 200);
    job = r.body["job_status"];
    if (job["status"] == "completed") return job;
    std::this_thread::sleep_for(20ms);
  }
  FAIL("job " << id << " did not complete: " << job.dump());
  return job;
}

}  // namespace

TEST_CASE("zendesk-sim prints its port, answers healthz and stops on SIGTERM", "[sim]") {
  SimProcess sim;
  CHECK(sim.control()->get("/healthz").status == 200);
  sim.process().signal(SIGTERM);
  auto status = sim.process().wait(5s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("the API accepts token and bearer auth and refuses anything else", "[sim]") {
  SimProcess sim({"--email", "bot@acme.test", "--token", "tok123", "--oauth-token", "oauth-abc"});
  SimClient client(sim.port());

  client.use_token("bot@acme.test", "tok123");
  SimReply me = client.get("/api/v2/users/me.json");
  REQUIRE(me.status == 200);
  CHECK(me.body["user"]["email"] == "bot@acme.test");
  CHECK(me.body["user"]["role"] == "admin");

  client.use_bearer("oauth-abc");
  CHECK(client.get("/api/v2/users/me").status == 200);

  client.use_token("bot@acme.test", "wrong");
  SimReply wrong = client.get("/api/v2/users/me.json");
  CHECK(wrong.status == 401);
  CHECK(wrong.body["error"] == "Couldn't authenticate you");

  client.use_bearer("not-the-token");
  CHECK(client.get("/api/v2/users/me.json").status == 401);

  client.clear_auth();
  CHECK(client.get("/api/v2/users/me.json").status == 401);
  // Credentials outside the Authorization header are ignored.
  CHECK(client.get("/api/v2/users/me.json?email=bot@acme.test&token=tok123").status == 401);
  CHECK(client.get("/api/v2/users/me.json?access_token=oauth-abc").status == 401);
}

TEST_CASE("a ticket update is applied and read back in Zendesk's shape", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t id = create_ticket(*control);
  const std::string path = "/api/v2/tickets/" + std::to_string(id) + ".json";

  SimReply r = api->put(path, {{"ticket",
                                {{"group_id", 114002},
                                 {"assignee_id", 500122},
                                 {"tags", {"Billing", "tier2"}},
                                 {"custom_fields", {{{"id", 360005}, {"value", "vip"}}}},
                                 {"comment", {{"body", "Escalated [tierd:1]"}, {"public", false}}},
                                 {"followers", {{{"user_id", 500120}, {"action", "put"}}}}}}});
  REQUIRE(r.status == 200);
  REQUIRE(r.body.contains("audit"));

  json t = api->get(path).body["ticket"];
  CHECK(t["id"] == id);
  CHECK(t["group_id"] == 114002);
  CHECK(t["assignee_id"] == 500122);
  CHECK(t["status"] == "open");  // assigning a new ticket opens it, as in Zendesk
  CHECK(t["tags"] == json({"billing", "tier2"}));
  CHECK(t["follower_ids"] == json({500120}));
  CHECK(t["custom_fields"][0]["value"] == "vip");
  CHECK(t["via"]["channel"] == "web_form");
  CHECK(std::regex_match(t["updated_at"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));

  json comments =
      api->get("/api/v2/tickets/" + std::to_string(id) + "/comments.json?sort_order=desc")
          .body["comments"];
  REQUIRE(comments.size() == 2);
  CHECK(comments[0]["body"] == "Escalated [tierd:1]");
  CHECK(comments[0]["public"] == false);
  CHECK(comments[0]["author_id"] == 400001);
  CHECK(comments[1]["body"] == "Please help");

  // Clearing the assignee with null.
  REQUIRE(api->put(path, {{"ticket", {{"assignee_id", nullptr}}}}).status == 200);
  CHECK(api->get(path).body["ticket"]["assignee_id"].is_null());

  CHECK(api->get("/api/v2/tickets/999999.json").status == 404);
  CHECK(api->put("/api/v2/tickets/999999.json", {{"ticket", {{"status", "open"}}}}).status == 404);
  CHECK(api->put(path, {{"ticket", {{"group_id", 4242}}}}).status == 422);
  CHECK(api->put(path, {{"ticket", {{"status", "sleeping"}}}}).status == 422);
  // An agent outside the ticket's group cannot be assigned.
  SimReply not_member = api->put(path, {{"ticket", {{"assignee_id", 500120}}}});
  CHECK(not_member.status == 422);
  CHECK(not_member.body["error"] == "RecordInvalid");
}

TEST_CASE("safe_update refuses a stale updated_stamp with 409 and accepts the current one",
          "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t id = create_ticket(*control);
  const std::string path = "/api/v2/tickets/" + std::to_string(id);
  const std::string stamp = api->get(path).body["ticket"]["updated_at"];

  SimReply stale = api->put(
      path,
      {{"ticket",
        {{"group_id", 114002}, {"safe_update", true}, {"updated_stamp", "2020-01-01T00:00:00Z"}}}});
  CHECK(stale.status == 409);
  CHECK(stale.body["error"] == "UpdateConflict");
  CHECK(api->get(path).body["ticket"]["group_id"] == 114001);

  SimReply ok = api->put(
      path, {{"ticket", {{"group_id", 114002}, {"safe_update", true}, {"updated_stamp", stamp}}}});
  CHECK(ok.status == 200);
  CHECK(api->get(path).body["ticket"]["group_id"] == 114002);

  // The tags endpoints take the same pair.
  SimReply tags_stale =
      api->put(path + "/tags.json",
               {{"tags", {"x"}}, {"safe_update", true}, {"updated_stamp", "2020-01-01T00:00:00Z"}});
  CHECK(tags_stale.status == 409);
}

TEST_CASE("the tags endpoints add, remove and set tags", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t id = create_ticket(*control);
  const std::string tags = "/api/v2/tickets/" + std::to_string(id) + "/tags.json";

  CHECK(api->get(tags).body["tags"] == json::array());
  CHECK(api->put(tags, {{"tags", {"b", "a"}}}).body["tags"] == json({"a", "b"}));
  CHECK(api->put(tags, {{"tags", {"c"}}}).body["tags"] == json({"a", "b", "c"}));
  CHECK(api->del(tags, {{"tags", {"b"}}}).body["tags"] == json({"a", "c"}));
  SimReply set = api->post(tags, {{"tags", {"only"}}});
  CHECK(set.status == 201);
  CHECK(set.body["tags"] == json({"only"}));
  CHECK(api->get(tags).body["tags"] == json({"only"}));
}

TEST_CASE("update_many runs bulk and batch jobs and limits them to 100 tickets", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t a = create_ticket(*control);
  const int64_t b = create_ticket(*control);

  SimReply bulk = api->put(
      "/api/v2/tickets/update_many.json?ids=" + std::to_string(a) + "," + std::to_string(b),
      {{"ticket", {{"additional_tags", {"swarm"}}}}});
  REQUIRE(bulk.status == 200);
  CHECK(bulk.body["job_status"]["status"] == "queued");
  const std::string bulk_id = bulk.body["job_status"]["id"];
  CHECK(std::regex_match(bulk_id, std::regex("[0-9a-f]{32}")));  // like Zendesk's job ids
  json done = wait_for_job(*api, bulk_id);
  CHECK(done["total"] == 2);
  CHECK(done["progress"] == 2);
  REQUIRE(done["results"].size() == 2);
  CHECK(done["results"][0]["success"] == true);
  CHECK(done["results"][0]["status"] == "Updated");
  CHECK(done["results"][0]["action"] == "update");
  CHECK(done["results"][1]["index"] == 1);
  CHECK(std::regex_match(done["message"].get<std::string>(),
                         std::regex(R"(Completed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000)")));
  CHECK(api->get("/api/v2/tickets/" + std::to_string(b)).body["ticket"]["tags"] == json({"swarm"}));

  // Batch: safe_update is honoured per ticket.
  const std::string stamp_a =
      api->get("/api/v2/tickets/" + std::to_string(a)).body["ticket"]["updated_at"];
  SimReply batch = api->put(
      "/api/v2/tickets/update_many.json",
      {{"tickets",
        {{{"id", a}, {"priority", "urgent"}, {"safe_update", true}, {"updated_stamp", stamp_a}},
         {{"id", b},
          {"priority", "urgent"},
          {"safe_update", true},
          {"updated_stamp", "2020-01-01T00:00:00Z"}},
         {{"id", 987654}, {"priority", "low"}}}}});
  REQUIRE(batch.status == 200);
  json results = wait_for_job(*api, batch.body["job_status"]["id"])["results"];
  REQUIRE(results.size() == 3);
  CHECK(results[0]["success"] == true);
  // A failed item carries index, id, error and details, and no success; a
  // lost safe update looks like any other failure.
  for (size_t i : {size_t{1}, size_t{2}}) {
    CHECK_FALSE(results[i].contains("success"));
    CHECK(results[i]["index"] == i);
    CHECK(results[i]["error"] == "TicketUpdateFailed");
    CHECK(results[i]["details"].is_string());
  }
  CHECK(results[1]["id"] == b);
  CHECK(results[2]["id"] == 987654);
  CHECK(api->get("/api/v2/tickets/" + std::to_string(a)).body["ticket"]["priority"] == "urgent");
  CHECK(api->get("/api/v2/tickets/" + std::to_string(b)).body["ticket"]["priority"] == "normal");

  std::string ids;
  for (int i = 1; i <= 101; ++i) ids += (i > 1 ? "," : "") + std::to_string(i);
  CHECK(api->put("/api/v2/tickets/update_many.json?ids=" + ids, {{"ticket", {{"status", "open"}}}})
            .status == 400);
  CHECK(api->get("/api/v2/job_statuses/nope").status == 404);

  // Show Many and the list know both jobs, newest first.
  const std::string batch_id = batch.body["job_status"]["id"];
  json many = api->get("/api/v2/job_statuses/show_many.json?ids=" + bulk_id + ",nope," + batch_id)
                  .body["job_statuses"];
  REQUIRE(many.size() == 2);
  CHECK(many[0]["id"] == bulk_id);
  CHECK(many[1]["id"] == batch_id);
  json listed = api->get("/api/v2/job_statuses.json?page%5Bsize%5D=1").body;
  REQUIRE(listed["job_statuses"].size() == 1);
  CHECK(listed["job_statuses"][0]["id"] == batch_id);
  CHECK(listed["meta"]["has_more"] == true);
}

TEST_CASE("at most 30 jobs wait in the queue, as Zendesk's job limit says", "[sim]") {
  SimProcess sim({"--job-delay-ms", "60000"});
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const std::string path =
      "/api/v2/tickets/update_many.json?ids=" + std::to_string(create_ticket(*control));
  for (int i = 0; i < 30; ++i) {
    SimReply queued = api->put(path, {{"ticket", {{"priority", "high"}}}});
    REQUIRE(queued.status == 200);
    CHECK(queued.body["job_status"]["status"] == "queued");
  }
  SimReply refused = api->put(path, {{"ticket", {{"priority", "high"}}}});
  CHECK(refused.status == 429);
  CHECK(refused.body["error"] == "TooManyJobs");
  CHECK_FALSE(refused.header("retry-after").empty());
  json listed = api->get("/api/v2/job_statuses.json").body;
  CHECK(listed["job_statuses"].size() == 30);
}

TEST_CASE("the incremental export pages with a cursor and leaves out the last minute", "[sim]") {
  SECTION("with no exclusion window every change is exported, in pages") {
    SimProcess sim({"--export-exclusion-seconds", "0"});
    auto control = sim.control();
    auto api = sim.api();
    seed(*control);
    for (int i = 0; i < 3; ++i) create_ticket(*control, "t" + std::to_string(i));

    SimReply first = api->get("/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=2");
    REQUIRE(first.status == 200);
    CHECK(first.body["tickets"].size() == 2);
    CHECK(first.body["end_of_stream"] == false);
    const std::string cursor = first.body["after_cursor"];
    CHECK(first.body["after_url"].get<std::string>().find(cursor) != std::string::npos);

    SimReply second =
        api->get("/api/v2/incremental/tickets/cursor.json?per_page=2&cursor=" + cursor);
    REQUIRE(second.status == 200);
    REQUIRE(second.body["tickets"].size() == 1);
    CHECK(second.body["tickets"][0]["subject"] == "t2");
    CHECK(second.body["end_of_stream"] == true);

    // Nothing new: the same cursor comes back empty; a change shows up next time.
    const std::string tail = second.body["after_cursor"];
    CHECK(
        api->get("/api/v2/incremental/tickets/cursor.json?cursor=" + tail).body["tickets"].empty());
    REQUIRE(api->put("/api/v2/tickets/1.json", {{"ticket", {{"priority", "high"}}}}).status == 200);
    json again = api->get("/api/v2/incremental/tickets/cursor.json?cursor=" + tail).body;
    REQUIRE(again["tickets"].size() == 1);
    CHECK(again["tickets"][0]["id"] == 1);
    CHECK(again["tickets"][0]["priority"] == "high");

    CHECK(api->get("/api/v2/incremental/tickets/cursor.json").status == 422);
  }
  SECTION("by default changes from the last minute are left out") {
    SimProcess sim;
    auto control = sim.control();
    auto api = sim.api();
    seed(*control);
    create_ticket(*control);
    SimReply r = api->get("/api/v2/incremental/tickets/cursor.json?start_time=0");
    REQUIRE(r.status == 200);
    CHECK(r.body["tickets"].empty());
    CHECK(r.body["end_of_stream"] == true);
  }
}

TEST_CASE("the account rate limit answers 429 with Retry-After and rate headers", "[sim]") {
  SimProcess sim({"--rate-limit", "3"});
  auto api = sim.api();
  SimReply first = api->get("/api/v2/users/me.json");
  REQUIRE(first.status == 200);
  CHECK(first.header("x-rate-limit") == "3");
  CHECK(first.header("x-rate-limit-remaining") == "2");
  CHECK(first.header("ratelimit-limit") == "3");
  CHECK(first.header("ratelimit-remaining") == "2");
  CHECK(!first.header("ratelimit-reset").empty());
  CHECK(api->get("/api/v2/users/me.json").status == 200);
  CHECK(api->get("/api/v2/users/me.json").status == 200);
  SimReply limited = api->get("/api/v2/users/me.json");
  CHECK(limited.status == 429);
  CHECK(limited.header("x-rate-limit-remaining") == "0");
  int retry_after = std::stoi(limited.header("retry-after"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  // The control API is not limited.
  CHECK(sim.control()->get("/sim/requests").status == 200);
}

TEST_CASE("the Update Ticket endpoint limits writes per ticket", "[sim]") {
  SimProcess sim({"--ticket-update-limit", "2"});
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t a = create_ticket(*control);
  const int64_t b = create_ticket(*control);
  const std::string path = "/api/v2/tickets/" + std::to_string(a);
  CHECK(api->put(path, {{"ticket", {{"priority", "high"}}}}).status == 200);
  CHECK(api->put(path, {{"ticket", {{"priority", "low"}}}}).status == 200);
  SimReply limited = api->put(path, {{"ticket", {{"priority", "urgent"}}}});
  CHECK(limited.status == 429);
  CHECK(!limited.header("retry-after").empty());
  CHECK(api->put("/api/v2/tickets/" + std::to_string(b), {{"ticket", {{"priority", "high"}}}})
            .status == 200);
}

TEST_CASE("injected faults answer errors, drop connections and delay writes", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t id = create_ticket(*control);
  const std::string path = "/api/v2/tickets/" + std::to_string(id) + ".json";

  SECTION("a 503 applies to the next N matching requests only") {
    REQUIRE(control
                ->post("/sim/faults", {{"method", "PUT"},
                                       {"path_prefix", "/api/v2/tickets"},
                                       {"status", 503},
                                       {"retry_after", 2},
                                       {"count", 2}})
                .status == 201);
    CHECK(api->get(path).status == 200);  // GET does not match
    SimReply first = api->put(path, {{"ticket", {{"priority", "high"}}}});
    CHECK(first.status == 503);
    CHECK(first.header("retry-after") == "2");
    CHECK(api->put(path, {{"ticket", {{"priority", "high"}}}}).status == 503);
    CHECK(api->get(path).body["ticket"]["priority"] == "normal");
    CHECK(api->put(path, {{"ticket", {{"priority", "high"}}}}).status == 200);
  }
  SECTION("a 429 fault carries Retry-After") {
    REQUIRE(control->post("/sim/faults", {{"status", 429}, {"retry_after", 7}}).status == 201);
    SimReply r = api->get(path);
    CHECK(r.status == 429);
    CHECK(r.header("retry-after") == "7");
  }
  SECTION("a dropped connection gives no answer and no write") {
    REQUIRE(control->post("/sim/faults", {{"method", "PUT"}, {"drop_connection", true}}).status ==
            201);
    SimReply r = api->put(path, {{"ticket", {{"priority", "high"}}}});
    CHECK(r.status == -1);
    SimClient fresh(sim.port());
    fresh.use_token("admin@example.com", "sim-token");
    CHECK(fresh.get(path).body["ticket"]["priority"] == "normal");
  }
  SECTION("a connection dropped after the write gives no answer but the write applies") {
    REQUIRE(control->post("/sim/faults", {{"method", "PUT"}, {"drop_after_apply", true}}).status ==
            201);
    SimReply r = api->put(path, {{"ticket", {{"priority", "high"}}}});
    CHECK(r.status == -1);
    SimClient fresh(sim.port());
    fresh.use_token("admin@example.com", "sim-token");
    CHECK(fresh.get(path).body["ticket"]["priority"] == "high");
  }
  SECTION("a delayed write times out at the client but still applies") {
    REQUIRE(control->post("/sim/faults", {{"method", "PUT"}, {"delay_ms", 1500}}).status == 201);
    api->set_read_timeout_ms(300);
    SimReply r = api->put(path, {{"ticket", {{"priority", "urgent"}}}});
    CHECK(r.status == -1);
    std::this_thread::sleep_for(2000ms);
    SimClient fresh(sim.port());
    fresh.use_token("admin@example.com", "sim-token");
    CHECK(fresh.get(path).body["ticket"]["priority"] == "urgent");
  }
  SECTION("DELETE /sim/faults clears queued faults") {
    REQUIRE(control->post("/sim/faults", {{"status", 500}, {"count", 5}}).status == 201);
    REQUIRE(control->del("/sim/faults").status == 200);
    CHECK(api->get(path).status == 200);
  }
}

TEST_CASE("an expired token is refused until it is made valid again", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  CHECK(api->get("/api/v2/users/me.json").status == 200);
  REQUIRE(control->post("/sim/token", {{"valid", false}}).status == 200);
  CHECK(api->get("/api/v2/users/me.json").status == 401);
  REQUIRE(control->post("/sim/token", {{"valid", true}}).status == 200);
  CHECK(api->get("/api/v2/users/me.json").status == 200);
}

TEST_CASE("the request log records API requests with their answers and write bodies", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t id = create_ticket(*control);
  api->put("/api/v2/tickets/" + std::to_string(id) + ".json",
           {{"ticket", {{"status", "pending"}}}});
  api->get("/api/v2/groups/114001/memberships.json?per_page=10");
  json requests = control->get("/sim/requests").body["requests"];
  REQUIRE(requests.size() == 2);
  CHECK(requests[0]["method"] == "PUT");
  CHECK(requests[0]["status"] == 200);
  CHECK(requests[0]["body"]["ticket"]["status"] == "pending");
  CHECK(requests[1]["path"] == "/api/v2/groups/114001/memberships.json");
  CHECK(requests[1]["query"] == "per_page=10");
  CHECK(requests[1]["seq"].get<int>() > requests[0]["seq"].get<int>());
  REQUIRE(control->del("/sim/requests").status == 200);
  CHECK(control->get("/sim/requests").body["requests"].empty());
}

TEST_CASE("users, groups and memberships are listed in Zendesk's shape", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  json groups = api->get("/api/v2/groups.json").body;
  CHECK(groups["count"] == 2);
  CHECK(groups["groups"][0]["name"] == "Tier 1");
  CHECK(api->get("/api/v2/groups/114002.json").body["group"]["id"] == 114002);
  json members = api->get("/api/v2/groups/114002/memberships.json").body["group_memberships"];
  REQUIRE(members.size() == 1);
  CHECK(members[0]["user_id"] == 500122);
  CHECK(api->get("/api/v2/group_memberships.json").body["group_memberships"].size() == 2);
  json user = api->get("/api/v2/users/500120.json").body["user"];
  CHECK(user["role"] == "agent");
  CHECK(user["active"] == true);
  json agents = api->get("/api/v2/users.json?role=agent").body["users"];
  CHECK(agents.size() == 2);
  CHECK(api->get("/api/v2/users/1234.json").status == 404);
}

TEST_CASE("comments, users, groups and memberships page by cursor as well as by offset", "[sim]") {
  SimProcess sim;
  auto control = sim.control();
  auto api = sim.api();
  seed(*control);
  const int64_t id = create_ticket(*control);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(api->put("/api/v2/tickets/" + std::to_string(id) + ".json",
                     {{"ticket",
                       {{"comment", {{"body", "note " + std::to_string(i)}, {"public", false}}}}}})
                .status == 200);
  }
  // Walks a list by cursor and returns what `field` holds in each item.
  auto walk = [&](std::string path, const std::string& key, const std::string& field) {
    std::vector<json> seen;
    for (int pages = 0; !path.empty() && pages < 20; ++pages) {
      SimReply page = api->get(path);
      REQUIRE(page.status == 200);
      CHECK(page.body[key].size() <= 2);
      for (const auto& item : page.body[key]) seen.push_back(item[field]);
      const json next = page.body["links"]["next"];
      CHECK(page.body["meta"]["has_more"] == next.is_string());
      path = next.is_string()
                 ? next.get<std::string>().substr(next.get<std::string>().find("/api/v2/"))
                 : "";
    }
    return seen;
  };
  const std::string comments = "/api/v2/tickets/" + std::to_string(id) + "/comments.json";
  std::vector<json> bodies =
      walk(comments + "?sort_order=desc&page%5Bsize%5D=2", "comments", "body");
  REQUIRE(bodies.size() == 5);
  CHECK(bodies.front() == "note 3");  // the sort order holds across pages
  CHECK(bodies.back() == "Please help");
  CHECK(walk("/api/v2/users.json?page%5Bsize%5D=2", "users", "id").size() ==
        api->get("/api/v2/users.json").body["users"].size());
  CHECK(walk("/api/v2/groups.json?page%5Bsize%5D=2", "groups", "id").size() == 2);
  CHECK(walk("/api/v2/group_memberships.json?page%5Bsize%5D=2", "group_memberships", "user_id") ==
        std::vector<json>{500120, 500122});
  CHECK(walk("/api/v2/groups/114002/memberships.json?page%5Bsize%5D=2", "group_memberships",
             "user_id") == std::vector<json>{500122});
  // Offset paging stays available where Zendesk offers both.
  SimReply offset = api->get(comments + "?per_page=2");
  CHECK(offset.body["comments"].size() == 2);
  CHECK(offset.body["next_page"].is_string());
  CHECK(api->get(comments + "?page%5Bsize%5D=101").status == 400);
  CHECK(api->get(comments + "?page%5Bafter%5D=bm90LWEtY29tbWVudA%3D%3D").status == 400);
}
