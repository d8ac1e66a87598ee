// The admin surface of a running tierd: the token guard, where the admin
// routes are served (only on the admin listener when there is one), the
// ticket timeline, and the status JSON with mode, version, health, the review
// queue, ticket links and agents by name.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "http/admin_stack.h"
#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const char* const kAdminPaths[] = {"/", "/api/v1/status", "/api/v1/tickets/1"};

// The first line `tierd --version` prints.
std::string version_line(const TempDir& dir) {
  Subprocess p({TIERD_BINARY, "--version"}, {}, dir.file("version.log"));
  REQUIRE(p.wait(10s) == 0);
  std::string out = p.log();
  return out.substr(0, out.find('\n'));
}

// `tierd report --config ... ARGS`: its output (stdout and stderr).
std::string report(LiveStack& stack, const TempDir& dir, std::vector<std::string> args) {
  static int runs = 0;
  std::vector<std::string> argv = {TIERD_BINARY,        "report",  "--config",
                                   stack.config_path(), "--since", "1h"};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, {}, dir.file("report-" + std::to_string(++runs) + ".log"));
  REQUIRE(p.wait(30s) == 0);
  return p.log();
}

}  // namespace

TEST_CASE("admin routes need the admin token", "[integration][admin]") {
  TempDir dir;
  const int admin_port = free_loopback_port();
  LiveStack stack(admin_stack_options(dir, admin_port));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  for (const char* path : kAdminPaths) {
    INFO(path);
    auto none = admin_get(admin_port, path);
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(none->get_header_value("WWW-Authenticate").find("Basic") == 0);
    auto wrong = admin_get(admin_port, path, "Bearer not-the-token");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
  }
  auto ok = admin_get(admin_port, "/api/v1/status", admin_bearer());
  REQUIRE(ok);
  CHECK(ok->status == 200);
  // The scheme name is case-insensitive.
  for (const char* scheme : {"bearer ", "BEARER ", "bEaReR  "}) {
    INFO(scheme);
    auto any_case = admin_get(admin_port, "/api/v1/status", scheme + std::string(kAdminToken));
    REQUIRE(any_case);
    CHECK(any_case->status == 200);
  }
  // Every answer, refusals included, tells a browser not to sniff its type.
  for (const char* path : kAdminPaths) {
    INFO(path);
    auto refused = admin_get(admin_port, path);
    REQUIRE(refused);
    CHECK(refused->get_header_value("X-Content-Type-Options") == "nosniff");
    auto answered = admin_get(admin_port, path, admin_bearer());
    REQUIRE(answered);
    CHECK(answered->get_header_value("X-Content-Type-Options") == "nosniff");
  }
  // Ticket ids have up to 19 digits; past int64 there is simply no record.
  for (const char* id : {"9223372036854775807", "9999999999999999999"}) {
    INFO(id);
    auto long_id = admin_get(admin_port, std::string("/api/v1/tickets/") + id, admin_bearer());
    REQUIRE(long_id);
    CHECK(long_id->status == 404);
    CHECK(long_id->body.find(std::string("no record of ticket ") + id) != std::string::npos);
  }
  // A browser's Basic answer carries the token as the password.
  auto basic = admin_get(admin_port, "/api/v1/status",
                         "Basic " + base64(std::string("admin:") + kAdminToken));
  REQUIRE(basic);
  CHECK(basic->status == 200);
  CHECK(stack.tierd_log().find(kAdminToken) == std::string::npos);
}

TEST_CASE("with admin_listen the public port serves no admin route", "[integration][admin]") {
  TempDir dir;
  const int admin_port = free_loopback_port();
  LiveStack stack(admin_stack_options(dir, admin_port));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  for (const char* path : {"/", "/api/v1/status", "/api/v1/tickets/1", "/metrics"}) {
    INFO(path);
    auto public_answer = admin_get(stack.tierd_port(), path, admin_bearer());
    REQUIRE(public_answer);
    CHECK(public_answer->status == 404);
    CHECK(public_answer->body.find("tierd status") == std::string::npos);
    auto admin_answer = admin_get(admin_port, path, admin_bearer());
    REQUIRE(admin_answer);
    CHECK(admin_answer->status == (std::string(path) == "/api/v1/tickets/1" ? 404 : 200));
  }
  // Both answer /healthz, for a load balancer and for monitoring.
  for (int port : {stack.tierd_port(), admin_port}) {
    auto health = admin_get(port, "/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);
  }
}

TEST_CASE("without admin_listen the admin routes stay on the one port", "[integration][admin]") {
  TempDir dir;
  LiveStackOptions options = admin_stack_options(dir, 0);
  options.extra_config["mode"] = "shadow";
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  for (const char* path : {"/", "/api/v1/status", "/metrics"}) {
    INFO(path);
    auto answer = admin_get(stack.tierd_port(), path, admin_bearer());
    REQUIRE(answer);
    CHECK(answer->status == 200);
  }
  auto refused = admin_get(stack.tierd_port(), "/api/v1/status");
  REQUIRE(refused);
  CHECK(refused->status == 401);

  // The mode is the first thing the page says.
  CHECK(admin_status_json(stack.tierd_port())["mode"] == "shadow");
  auto page = admin_get(stack.tierd_port(), "/", admin_bearer());
  REQUIRE(page);
  CHECK(page->body.find("id=\"mode\" class=\"badge shadow\">shadow<") != std::string::npos);
}

TEST_CASE("the status shows mode, version, health, the review queue and agents by name",
          "[integration][admin]") {
  SceneStack s;
  const int admin_port = s.admin_port;
  const StatusScene& scene = s.scene;

  auto timeline =
      admin_get(admin_port, "/api/v1/tickets/" + std::to_string(scene.escalated), admin_bearer());
  REQUIRE(timeline);
  REQUIRE(timeline->status == 200);
  CHECK(timeline->body.find("escalat") != std::string::npos);
  CHECK(json::parse(timeline->body, nullptr, false).is_discarded() == false);
  auto unknown = admin_get(admin_port, "/api/v1/tickets/999999", admin_bearer());
  REQUIRE(unknown);
  CHECK(unknown->status == 404);

  const json status = status_with_names(admin_port);
  INFO(status.dump(2));
  CHECK(status["mode"] == "live");
  CHECK("tierd " + status["version"].get<std::string>() == version_line(s.dir));
  CHECK(status["health"]["ok"] == true);
  CHECK(status["health"]["store_readable"] == true);
  CHECK(status["health"]["dead_letters"]["count"] == 0);
  CHECK(status["health"]["helpdesk"]["known"] == true);
  CHECK(status["health"]["helpdesk"]["reachable"] == true);
  std::set<std::string> loops;
  for (const auto& loop : status["health"]["loops"]) {
    CHECK(loop["running"] == true);
    loops.insert(loop["name"].get<std::string>());
  }
  CHECK(loops.count("engine") == 1);
  CHECK(loops.count("writer") == 1);

  // The review queue: the ticket, how long it waits, its reviewer by name.
  CHECK(status["review"]["waiting"] == 1);
  CHECK(status["review"]["oldest_wait_ms"].get<int64_t>() >= 0);
  const json& waiting = status["review"]["tickets"][0];
  CHECK(waiting["id"] == scene.in_review);
  const std::string sim_url = "http://127.0.0.1:";
  CHECK(waiting["url"].get<std::string>().rfind(sim_url, 0) == 0);
  CHECK(waiting["url"].get<std::string>().find(
            "/agent/tickets/" + std::to_string(scene.in_review)) != std::string::npos);
  CHECK(waiting["reviewer"]["id"] == kReviewer);
  CHECK(waiting["reviewer"]["name"] == kReviewerName);

  // Queues and clocks by tier; the running clock's assignee by name.
  REQUIRE(status.at("tiers").size() == 3);
  CHECK(status["tiers"][0]["queue"] == 1);  // the running one (the solved one left)
  CHECK(status["tiers"][0]["running_clocks"] == 1);
  CHECK(status["tiers"][1]["queue"] == 1);  // the escalated one
  bool listed = false;
  for (const auto& e : status["expiring"]) {
    if (e["id"] != scene.running) continue;
    listed = true;
    CHECK(e["tier"] == "tier1");
    CHECK(e["assignee"]["id"] == kNamedAgent);
    CHECK(e["assignee"]["name"] == kNamedAgentName);
  }
  CHECK(listed);

  // The funnel, with escalations by cause; the solver among the agents.
  CHECK(status["funnel"][0]["entered"] == 3);
  CHECK(status["funnel"][0]["escalated_out"] == 1);
  CHECK(status["funnel"][0]["flow"]["escalated_by"]["timer"] == 1);
  CHECK(status["funnel"][0]["solved_in_tier"] == 1);
  REQUIRE(status["agents"].size() >= 1);
  CHECK(status["agents"][0]["id"] == 500120);
  CHECK(status["outbox_depth"] == 0);
  CHECK(status["outbox_oldest"].is_null());

  // /metrics and /healthz answer on the admin listener, without the token.
  auto metrics = admin_get(admin_port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->body.find("tierd_escalations_total") != std::string::npos);
  CHECK(metrics->body.find("tierd_running_clocks{tier=\"tier2\"} 1") != std::string::npos);

  // `tierd report` prints the names the daemon cached in the store beside
  // the ids; its JSON and CSV keep the ids and add the names.
  std::string text;
  REQUIRE(LiveStack::eventually(
      [&] {
        text = report(s.stack, s.dir, {});
        return text.find("Agent 500120 (500120)") != std::string::npos;
      },
      10s));
  INFO(text);
  CHECK(text.find(std::string(kReviewerName) + " (500777)") != std::string::npos);
  const std::string out = report(s.stack, s.dir, {"--json"});
  const json r = json::parse(out.substr(out.find('{')));
  REQUIRE(r["agents"].size() >= 1);
  CHECK(r["agents"][0]["id"] == 500120);
  CHECK(r["agents"][0]["name"] == "Agent 500120");
  const std::string csv = report(s.stack, s.dir, {"--csv", "--table", "agents"});
  CHECK(csv.rfind("id,name,", 0) == 0);
  CHECK(csv.find("\n500120,Agent 500120,") != std::string::npos);
}

TEST_CASE("the status page names the mode and links tickets, with names escaped",
          "[integration][admin]") {
  SceneStack s;
  const int admin_port = s.admin_port;
  const StatusScene& scene = s.scene;
  REQUIRE(LiveStack::eventually(
      [&] {
        auto page = admin_get(admin_port, "/", admin_bearer());
        return page && page->body.find("Robin O&#39;Hara &lt;Reviews &amp; Triage&gt;") !=
                           std::string::npos;
      },
      15s));
  auto page = admin_get(admin_port, "/", admin_bearer());
  REQUIRE(page);
  INFO(page->body);
  CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
  CHECK(page->body.find("<script") == std::string::npos);
  CHECK(page->body.find("id=\"mode\" class=\"badge live\">live<") != std::string::npos);
  CHECK(page->body.find("/agent/tickets/" + std::to_string(scene.in_review) + "\">#" +
                        std::to_string(scene.in_review) + "</a>") != std::string::npos);
  CHECK(page->body.find(kReviewerName) == std::string::npos);  // never unescaped
  CHECK(page->body.find("3 entered, 1 solved, 1 escalated") != std::string::npos);
}
