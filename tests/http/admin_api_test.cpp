// The admin surface of a running tierd: the token guard, the ticket timeline
// and status JSON, the status page rendered by a real browser (headless
// Chromium from Debian's chromium package), and /metrics on a separate
// loopback listener.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <thread>

#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kToken = "admin-token-for-tests";

LiveStackOptions admin_options(const TempDir& dir, int admin_port) {
  write_file(dir.file("admin.token"), std::string(kToken) + "\n");
  LiveStackOptions o;
  o.tiers = json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "2s"},
                            {"name": "tier2", "groups": [114002], "escalate_after": "1h"},
                            {"name": "tier3", "groups": [114003]}])");
  o.extra_config = {{"admin", {{"token_file", dir.file("admin.token")}}},
                    {"admin_listen", {{"host", "127.0.0.1"}, {"port", admin_port}}}};
  return o;
}

httplib::Result get(int port, const std::string& path, const std::string& authorization = "") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  httplib::Headers headers;
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  return client.Get(path.c_str(), headers);
}

std::string base64(const std::string& in) {
  static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(chars[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(chars[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

std::string bearer() {
  return std::string("Bearer ") + kToken;
}

// What Chromium shows for `url` after running the page, as its DOM.
std::string browser_dom(const std::string& url, const TempDir& dir) {
  const std::string out = dir.file("dom.html");
  const std::string command =
      "chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
      "--user-data-dir='" +
      dir.file("chromium-profile") + "' --dump-dom '" + url + "' > '" + out + "' 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  return read_file(out);
}

}  // namespace

TEST_CASE("admin routes need the admin token", "[integration][admin]") {
  TempDir dir;
  LiveStack stack(admin_options(dir, free_loopback_port()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  const int port = stack.tierd_port();

  for (const char* path : {"/", "/api/v1/status", "/api/v1/tickets/1"}) {
    INFO(path);
    auto none = get(port, path);
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(none->get_header_value("WWW-Authenticate").find("Basic") == 0);
    auto wrong = get(port, path, "Bearer not-the-token");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
  }
  auto ok = get(port, "/api/v1/status", bearer());
  REQUIRE(ok);
  CHECK(ok->status == 200);
  // The scheme name is case-insensitive.
  for (const char* scheme : {"bearer ", "BEARER ", "bEaReR  "}) {
    INFO(scheme);
    auto any_case = get(port, "/api/v1/status", scheme + std::string(kToken));
    REQUIRE(any_case);
    CHECK(any_case->status == 200);
  }
  // Every answer, refusals included, tells a browser not to sniff its type.
  for (const char* path : {"/", "/api/v1/status", "/api/v1/tickets/1"}) {
    INFO(path);
    auto refused = get(port, path);
    REQUIRE(refused);
    CHECK(refused->get_header_value("X-Content-Type-Options") == "nosniff");
    auto answered = get(port, path, bearer());
    REQUIRE(answered);
    CHECK(answered->get_header_value("X-Content-Type-Options") == "nosniff");
  }
  // Ticket ids have up to 19 digits; past int64 there is simply no record.
  for (const char* id : {"9223372036854775807", "9999999999999999999"}) {
    INFO(id);
    auto long_id = get(port, std::string("/api/v1/tickets/") + id, bearer());
    REQUIRE(long_id);
    CHECK(long_id->status == 404);
    CHECK(long_id->body.find(std::string("no record of ticket ") + id) != std::string::npos);
  }
  // A browser's Basic answer carries the token as the password.
  auto basic = get(port, "/api/v1/status", "Basic " + base64(std::string("admin:") + kToken));
  REQUIRE(basic);
  CHECK(basic->status == 200);
  CHECK(stack.tierd_log().find(kToken) == std::string::npos);
}

TEST_CASE("the admin API explains a ticket and shows queues by tier", "[integration][admin]") {
  TempDir dir;
  const int admin_port = free_loopback_port();
  LiveStack stack(admin_options(dir, admin_port));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t escalated =
      stack.create_ticket({{"subject", "will move up"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(escalated) == 114002; }, 15s));
  int64_t waiting = stack.create_ticket(
      {{"subject", "stays in tier 1"}, {"group_id", 114001}, {"status", "pending"}});
  REQUIRE(LiveStack::eventually(
      [&] {
        auto r = get(stack.tierd_port(), "/api/v1/tickets/" + std::to_string(waiting), bearer());
        return r && r->status == 200;
      },
      10s));

  auto timeline = get(stack.tierd_port(), "/api/v1/tickets/" + std::to_string(escalated), bearer());
  REQUIRE(timeline);
  REQUIRE(timeline->status == 200);
  CHECK(timeline->body.find("escalat") != std::string::npos);
  CHECK(json::parse(timeline->body, nullptr, false).is_discarded() == false);
  auto unknown = get(stack.tierd_port(), "/api/v1/tickets/999999", bearer());
  REQUIRE(unknown);
  CHECK(unknown->status == 404);

  auto res = get(stack.tierd_port(), "/api/v1/status", bearer());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  json status = json::parse(res->body);
  INFO(status.dump(2));
  REQUIRE(status.at("tiers").size() == 3);
  CHECK(status["tiers"][0]["queue"] == 1);  // the pending one
  CHECK(status["tiers"][0]["running_clocks"] == 0);
  CHECK(status["tiers"][1]["queue"] == 1);  // the escalated one, clock running toward 1h
  CHECK(status["tiers"][1]["running_clocks"] == 1);
  REQUIRE(status.at("expiring").size() >= 1);
  CHECK(status["expiring"][0]["ticket"] == escalated);
  CHECK(status["expiring"][0]["tier"] == "tier2");
  CHECK(status["funnel"][0]["entered"] == 2);
  CHECK(status["funnel"][0]["escalated_out"] == 1);
  CHECK(status["funnel"][1]["entered"] == 1);

  // /metrics and /healthz answer on the admin listener, without the token.
  auto metrics = get(admin_port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->body.find("tierd_escalations_total") != std::string::npos);
  CHECK(metrics->body.find("tierd_running_clocks{tier=\"tier1\"} 0") != std::string::npos);
  CHECK(metrics->body.find("tierd_running_clocks{tier=\"tier2\"} 1") != std::string::npos);
  auto health = get(admin_port, "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  // ... and /metrics is not on the public listener when an admin one exists.
  auto public_metrics = get(stack.tierd_port(), "/metrics");
  REQUIRE(public_metrics);
  CHECK(public_metrics->status == 404);
}

TEST_CASE("the status page renders in a browser with queues, clocks and the funnel",
          "[integration][admin][browser]") {
  TempDir dir;
  LiveStack stack(admin_options(dir, free_loopback_port()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "to tier 2"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 15s));

  const std::string url = "http://admin:" + std::string(kToken) +
                          "@127.0.0.1:" + std::to_string(stack.tierd_port()) + "/";
  const std::string dom = browser_dom(url, dir);
  INFO(dom.substr(0, 4000));
  CHECK(dom.find("<h1>tierd status</h1>") != std::string::npos);
  CHECK(dom.find("id=\"queues\"") != std::string::npos);
  CHECK(dom.find("data-tier=\"tier2\"") != std::string::npos);
  CHECK(dom.find("<svg id=\"funnel\"") != std::string::npos);
  CHECK(dom.find("data-entered=\"1\"") != std::string::npos);
  CHECK(dom.find("#" + std::to_string(id)) != std::string::npos);  // its clock is listed

  // Without credentials the browser gets no page.
  const std::string refused =
      browser_dom("http://127.0.0.1:" + std::to_string(stack.tierd_port()) + "/", dir);
  CHECK(refused.find("tierd status") == std::string::npos);
}
