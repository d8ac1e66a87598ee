// `tierd setup` against a real zendesk-sim: the dry run changes nothing,
// --apply creates the webhook and the forward field and writes the signing
// secret, a second --apply changes nothing, an update keeps what an admin
// added, problems exit 1 with the config path, API failures exit 3, a tierd
// started with the written secret receives the API-created webhook's
// deliveries, and the Zendesk app's dropdown forwards tickets once setup ran.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
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

constexpr const char* kToken = "setup-test-token";

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// A simulator without --webhook-url (deliveries come only from webhooks
// created through its API) seeded with groups and agents, plus a config.
class SetupFixture {
 public:
  SetupFixture() {
    sim_ = std::make_unique<Subprocess>(
        std::vector<std::string>{ZENDESK_SIM_BINARY, "--port", "0", "--token", kToken,
                                 "--webhook-retry-backoff-ms", "50"},
        std::map<std::string, std::string>{}, dir_.file("sim.log"));
    auto port = wait_for_listening_port(*sim_, 10s);
    REQUIRE(port);
    sim_port_ = *port;
    tierd_port_ = free_loopback_port();
    REQUIRE(control()
                ->post("/sim/groups", {{"groups",
                                        {{{"id", 114000}, {"name", "Review"}},
                                         {{"id", 114001}, {"name", "Tier 1"}},
                                         {{"id", 114002}, {"name", "Tier 2"}}}}})
                .status == 201);
    REQUIRE(control()
                ->post("/sim/users", {{"users",
                                       {{{"id", 500120}, {"role", "agent"}},
                                        {{"id", 500777}, {"role", "agent"}}}}})
                .status == 201);
    config = {{"listen", {{"host", "127.0.0.1"}, {"port", tierd_port_}, {"threads", 4}}},
              {"public_url", "http://127.0.0.1:" + std::to_string(tierd_port_)},
              {"store", {{"sqlite", {{"path", dir_.file("tierd.db")}}}}},
              {"zendesk",
               {{"base_url", "http://127.0.0.1:" + std::to_string(sim_port_)},
                {"email", "admin@example.com"},
                {"api_token_env", "SETUP_TEST_TOKEN"},
                {"webhook_secret_file", secret_path()},
                {"timeout", "2s"}}},
              {"tiers",
               {{{"name", "tier1"}, {"groups", {114001}}, {"escalate_after", "2s"}},
                {{"name", "tier2"}, {"groups", {114002}}}}},
              {"review", {{"groups", {114000}}, {"reviewers", {500777}}}},
              {"routes", {{{"name", "billing"}, {"group", 114002}, {"agents", {500120}}}}},
              {"reconcile", {{"enabled", false}}}};
  }

  std::string secret_path() const { return dir_.file("webhook.secret"); }
  int tierd_port() const { return tierd_port_; }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(tierd_port_) + "/webhooks/zendesk";
  }

  RunResult setup(std::vector<std::string> flags, const std::string& token = kToken) {
    const std::string config_path = dir_.file("tierd.json");
    write_file(config_path, config.dump(2));
    std::vector<std::string> argv = {TIERD_BINARY, "setup", "--config", config_path};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const std::string log = dir_.file("setup-" + std::to_string(++runs_) + ".log");
    Subprocess run(argv, {{"SETUP_TEST_TOKEN", token}}, log);
    auto code = run.wait(30s);
    REQUIRE(code);
    return {*code, run.log()};
  }

  json webhooks() {
    SimReply r = api()->get("/api/v2/webhooks");
    REQUIRE(r.status == 200);
    return r.body["webhooks"];
  }

  std::vector<json> forward_fields() {
    SimReply r = api()->get("/api/v2/ticket_fields?per_page=100");
    REQUIRE(r.status == 200);
    std::vector<json> out;
    for (const auto& f : r.body["ticket_fields"]) {
      if (f["title"] == "Forward to (tierd)") out.push_back(f);
    }
    return out;
  }

  // API writes (POST/PUT/PATCH/DELETE) to webhooks or ticket fields since the
  // request log was last cleared.
  std::vector<std::string> admin_writes() {
    std::vector<std::string> out;
    SimReply log = control()->get("/sim/requests");
    REQUIRE(log.status == 200);
    for (const auto& r : log.body["requests"]) {
      const std::string method = r["method"];
      const std::string path = r["path"];
      const bool admin =
          path.find("/api/v2/webhooks") == 0 || path.find("/api/v2/ticket_fields") == 0;
      if (admin && method != "GET") out.push_back(method + " " + path);
    }
    return out;
  }

  // Starts `tierd serve` with `config`, as an admin does after setup, and
  // waits until it is healthy.
  std::unique_ptr<Subprocess> serve() {
    const std::string config_path = dir_.file("serve.json");
    write_file(config_path, config.dump(2));
    auto tierd = std::make_unique<Subprocess>(
        std::vector<std::string>{TIERD_BINARY, "serve", "--config", config_path},
        std::map<std::string, std::string>{{"SETUP_TEST_TOKEN", kToken}}, dir_.file("tierd.log"));
    REQUIRE(wait_for_http(tierd_port_, "/healthz", 15s));
    return tierd;
  }

  // Fresh clients per use: a kept-alive connection may have been closed by
  // the simulator while a tierd run was going on.
  std::unique_ptr<SimClient> control() const { return std::make_unique<SimClient>(sim_port_); }
  std::unique_ptr<SimClient> api() const {
    auto client = std::make_unique<SimClient>(sim_port_);
    client->use_token("admin@example.com", kToken);
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

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a dry run lists the actions and changes nothing", "[setup]") {
  SetupFixture f;
  RunResult r = f.setup({});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "tiers[0].groups[0]: group 114001 (Tier 1) exists"));
  CHECK(contains(r.output, "create webhook \"tierd\" -> " + f.endpoint()));
  CHECK(contains(r.output, "create dropdown field \"Forward to (tierd)\""));
  CHECK(
      contains(r.output, "dry run: nothing was changed; run with --apply to carry out 2 actions"));
  CHECK(f.webhooks().empty());
  CHECK(f.forward_fields().empty());
  CHECK(f.admin_writes().empty());
  CHECK_FALSE(std::filesystem::exists(f.secret_path()));
}

TEST_CASE(
    "setup --apply creates the webhook and the field, writes the secret, and a second run changes "
    "nothing",
    "[setup]") {
  SetupFixture f;
  RunResult first = f.setup({"--apply"});
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(contains(first.output, "applied 2 actions"));

  const json hooks = f.webhooks();
  REQUIRE(hooks.size() == 1);
  const json& hook = hooks[0];
  CHECK(hook["name"] == "tierd");
  CHECK(hook["endpoint"] == f.endpoint());
  CHECK(hook["http_method"] == "POST");
  CHECK(hook["request_format"] == "json");
  CHECK(hook["status"] == "active");
  CHECK(hook["subscriptions"].size() == 14);
  const std::string id = hook["id"];

  const auto fields = f.forward_fields();
  REQUIRE(fields.size() == 1);
  CHECK(fields[0]["type"] == "tagger");
  REQUIRE(fields[0]["custom_field_options"].size() == 1);
  CHECK(fields[0]["custom_field_options"][0]["value"] == "tierd_forward_billing");
  const std::string field_id = std::to_string(fields[0]["id"].get<int64_t>());
  CHECK(contains(first.output, "add \"forward_field_id\": " + field_id + " to review"));

  const std::string secret =
      f.api()->get("/api/v2/webhooks/" + id + "/signing_secret").body["signing_secret"]["secret"];
  CHECK(read_file(f.secret_path()) == secret + "\n");
  struct stat st {};
  REQUIRE(::stat(f.secret_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(contains(first.output, secret));

  f.control()->del("/sim/requests");
  RunResult second = f.setup({"--apply"});
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(contains(second.output, "nothing to change"));
  CHECK(contains(second.output, "is up to date"));
  CHECK(f.admin_writes().empty());
  CHECK(f.webhooks().size() == 1);
  CHECK(f.forward_fields().size() == 1);
  CHECK(read_file(f.secret_path()) == secret + "\n");

  // With the field's id in the config and a new route, only the option is added.
  f.config["review"]["forward_field_id"] = fields[0]["id"];
  f.config["routes"].push_back({{"name", "tech"}, {"group", 114001}, {"agents", {500120}}});
  RunResult third = f.setup({"--apply"});
  INFO(third.output);
  CHECK(third.exit_code == 0);
  CHECK(contains(third.output, "add options to field " + field_id));
  CHECK(f.admin_writes() ==
        std::vector<std::string>{"PUT /api/v2/ticket_fields/" + field_id + ".json"});
  const auto updated = f.forward_fields();
  REQUIRE(updated.size() == 1);
  CHECK(updated[0]["custom_field_options"].size() == 2);
}

TEST_CASE("a changed public_url updates the existing webhook in place and keeps what an admin added",
          "[setup]") {
  SetupFixture f;
  REQUIRE(f.setup({"--apply"}).exit_code == 0);
  const std::string id = f.webhooks()[0]["id"];
  // An admin adds authentication for a proxy in front of tierd and writes
  // their own description in Admin Center.
  REQUIRE(f.api()
              ->patch("/api/v2/webhooks/" + id,
                      {{"webhook",
                        {{"description", "tierd, behind the proxy"},
                         {"authentication",
                          {{"type", "bearer_token"},
                           {"add_position", "header"},
                           {"data", {{"token", "proxy-token"}}}}}}}})
              .status == 204);
  f.config["public_url"] = "http://127.0.0.1:1";
  f.control()->del("/sim/requests");
  RunResult r = f.setup({"--apply"});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "update webhook " + id + " (\"tierd\"): endpoint"));
  CHECK(f.admin_writes() == std::vector<std::string>{"PATCH /api/v2/webhooks/" + id});
  const json hooks = f.webhooks();
  REQUIRE(hooks.size() == 1);
  CHECK(hooks[0]["endpoint"] == "http://127.0.0.1:1/webhooks/zendesk");
  CHECK(hooks[0]["authentication"]["type"] == "bearer_token");
  CHECK(hooks[0]["description"] == "tierd, behind the proxy");
}

TEST_CASE("a missing group exits 1 naming the config path and changes nothing", "[setup]") {
  SetupFixture f;
  f.config["tiers"][1]["groups"] = {360002};
  RunResult r = f.setup({"--apply"});
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "tiers[1].groups[0]: group 360002 does not exist"));
  CHECK(contains(r.output, "1 problem found"));
  CHECK(f.webhooks().empty());
  CHECK(f.admin_writes().empty());
}

TEST_CASE("a secret kept in an environment variable is printed only on request", "[setup]") {
  SetupFixture f;
  f.config["zendesk"].erase("webhook_secret_file");
  f.config["zendesk"]["webhook_secret_env"] = "ACME_WEBHOOK_SECRET";
  RunResult r = f.setup({"--apply"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string id = f.webhooks()[0]["id"];
  const std::string secret =
      f.api()->get("/api/v2/webhooks/" + id + "/signing_secret").body["signing_secret"]["secret"];
  CHECK(contains(r.output, "set the environment variable ACME_WEBHOOK_SECRET"));
  CHECK_FALSE(contains(r.output, secret));
  RunResult shown = f.setup({"--apply", "--show-secret"});
  INFO(shown.output);
  CHECK(shown.exit_code == 0);
  CHECK(contains(shown.output, "ACME_WEBHOOK_SECRET=" + secret));
}

TEST_CASE("setup --env-file supplies the API token and receives the webhook secret", "[setup]") {
  SetupFixture f;
  f.config["zendesk"].erase("webhook_secret_file");
  f.config["zendesk"]["webhook_secret_env"] = "ACME_WEBHOOK_SECRET";
  TempDir dir;
  const std::string env_file = dir.file("tierd.env");
  write_file(env_file, "# tierd's secrets\nSETUP_TEST_TOKEN=\"" + std::string(kToken) +
                           "\"\nACME_WEBHOOK_SECRET=stale\n");
  // The process environment has a wrong token: the file's wins.
  RunResult r = f.setup({"--apply", "--env-file", env_file}, "wrong-token");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string id = f.webhooks()[0]["id"];
  const std::string secret =
      f.api()->get("/api/v2/webhooks/" + id + "/signing_secret").body["signing_secret"]["secret"];
  CHECK_FALSE(contains(r.output, secret));
  CHECK(contains(r.output, "set ACME_WEBHOOK_SECRET in " + env_file));
  const std::string content = read_file(env_file);
  CHECK(contains(content, "# tierd's secrets\n"));
  CHECK(contains(content, "SETUP_TEST_TOKEN=\"" + std::string(kToken) + "\"\n"));
  CHECK(contains(content, "ACME_WEBHOOK_SECRET=" + secret + "\n"));
  CHECK_FALSE(contains(content, "stale"));
  struct stat st {};
  REQUIRE(::stat(env_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  RunResult again = f.setup({"--apply", "--env-file", env_file}, "wrong-token");
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK(contains(again.output, "already sets ACME_WEBHOOK_SECRET"));
  CHECK(contains(again.output, "nothing to change"));
  CHECK(read_file(env_file) == content);
}

TEST_CASE("refused credentials exit 3 with a message an admin can act on", "[setup]") {
  SetupFixture f;
  RunResult r = f.setup({}, "wrong-token");
  INFO(r.output);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.output, "HTTP 401"));
  CHECK(contains(r.output, "credentials were refused"));
}

TEST_CASE("a missing API token exits 2 naming the variable", "[setup]") {
  SetupFixture f;
  RunResult r = f.setup({}, "");
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "SETUP_TEST_TOKEN"));
  CHECK(f.admin_writes().empty());
}

TEST_CASE("setup --json prints the plan as one object", "[setup]") {
  SetupFixture f;
  RunResult r = f.setup({"--json"});
  REQUIRE(r.exit_code == 0);
  const std::string text = r.output.substr(r.output.find('{'));
  const json doc = json::parse(text.substr(0, text.rfind('}') + 1));
  CHECK(doc["exit_code"] == 0);
  CHECK(doc["plan"]["actions"].size() == 2);
  CHECK(doc["plan"]["problems"] == 0);
}

TEST_CASE("after setup, tierd receives the API-created webhook's deliveries", "[setup]") {
  SetupFixture f;
  f.config.erase("review");
  f.config.erase("routes");
  RunResult r = f.setup({"--apply"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string hook_id = f.webhooks()[0]["id"];

  auto tierd = f.serve();

  SimReply t = f.control()->post("/sim/tickets", {{"ticket",
                                                   {{"subject", "Printer on fire"},
                                                    {"comment", {{"body", "Help"}}},
                                                    {"group_id", 114001},
                                                    {"priority", "normal"}}}});
  REQUIRE(t.status == 201);
  const int64_t id = t.body["ticket"]["id"];
  // tier1's budget is 2s: tierd escalates only a ticket it heard about.
  int64_t group = 0;
  for (int i = 0; i < 200 && group != 114002; ++i) {
    std::this_thread::sleep_for(50ms);
    const json ticket = f.control()->get("/sim/tickets/" + std::to_string(id)).body["ticket"];
    group = ticket["group_id"].is_null() ? 0 : ticket["group_id"].get<int64_t>();
  }
  INFO(tierd->log());
  CHECK(group == 114002);
  bool delivered = false;
  SimReply deliveries = f.control()->get("/sim/webhooks");
  REQUIRE(deliveries.status == 200);
  for (const auto& d : deliveries.body["deliveries"]) {
    if (d["webhook_id"] == hook_id && d["outcome"] == "delivered" && d["ticket_id"] == id) {
      delivered = true;
    }
  }
  CHECK(delivered);
}

TEST_CASE("a new admin installs the app, runs setup, and a reviewer forwards through its dropdown",
          "[setup][plugin_manifest]") {
  SetupFixture f;
  f.config["routes"] = {{{"name", "billing"}, {"group", 114002}, {"agents", {500120}}}};
  REQUIRE(f.control()
              ->post("/sim/memberships", {{"memberships",
                                           {{{"user_id", 500120}, {"group_id", 114002}},
                                            {{"user_id", 500777}, {"group_id", 114000}}}}})
              .status == 201);

  // Installing the app: Zendesk creates its ticket fields from requirements.json.
  std::ifstream in(std::string(TIERD_SOURCE_DIR) + "/plugin_manifest/requirements.json");
  REQUIRE(in.good());
  const json requirements = json::parse(in);
  for (const auto& [key, spec] : requirements.at("ticket_fields").items()) {
    SimReply r = f.api()->post("/api/v2/ticket_fields", {{"ticket_field", spec}});
    INFO(r.body.dump());
    REQUIRE(r.status == 201);
  }
  const auto fields = f.forward_fields();
  REQUIRE(fields.size() == 1);
  const int64_t field_id = fields[0]["id"];

  // Setup adopts the app's field by its title and creates only the webhook.
  RunResult dry = f.setup({});
  INFO(dry.output);
  REQUIRE(dry.exit_code == 0);
  CHECK(contains(dry.output, "add \"forward_field_id\": " + std::to_string(field_id)));
  CHECK_FALSE(contains(dry.output, "create dropdown field"));
  CHECK(contains(dry.output, "to carry out 1 action"));
  f.config["review"]["forward_field_id"] = field_id;
  RunResult applied = f.setup({"--apply"});
  INFO(applied.output);
  REQUIRE(applied.exit_code == 0);
  CHECK(f.forward_fields().size() == 1);
  REQUIRE(f.webhooks().size() == 1);

  auto tierd = f.serve();

  SimReply t = f.control()->post("/sim/tickets", {{"ticket",
                                                   {{"subject", "Refund missing"},
                                                    {"comment", {{"body", "Where is my refund?"}}},
                                                    {"group_id", 114000}}}});
  REQUIRE(t.status == 201);
  const int64_t id = t.body["ticket"]["id"];
  auto ticket = [&] { return f.control()->get("/sim/tickets/" + std::to_string(id)).body["ticket"]; };
  auto has_tag = [](const json& tk, const std::string& tag) {
    for (const auto& x : tk["tags"]) {
      if (x == tag) return true;
    }
    return false;
  };
  bool in_review = false;
  for (int i = 0; i < 200 && !in_review; ++i) {
    std::this_thread::sleep_for(50ms);
    in_review = has_tag(ticket(), "tierd_review");
  }
  INFO(tierd->log());
  REQUIRE(in_review);

  // The reviewer chooses "billing" in the app's dropdown; Zendesk also puts
  // the option's tag on the ticket.
  REQUIRE(f.control()
              ->put("/sim/tickets/" + std::to_string(id),
                    {{"ticket",
                      {{"custom_fields", {{{"id", field_id}, {"value", "tierd_forward_billing"}}}}}},
                     {"actor_id", 500777}})
              .status == 200);
  json after;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(50ms);
    after = ticket();
    if (after["group_id"] == 114002 && after["assignee_id"] == 500120) break;
  }
  INFO(after.dump());
  CHECK(after["group_id"] == 114002);
  CHECK(after["assignee_id"] == 500120);
  CHECK_FALSE(has_tag(after, "tierd_review"));
  CHECK_FALSE(has_tag(after, "tierd_forward_billing"));
  bool note = false;
  for (const auto& c : after["comments"]) {
    if (c["body"].get<std::string>().find("Forwarded to the route billing") != std::string::npos) {
      note = true;
    }
  }
  CHECK(note);
}
