// What an admin reads about a running tierd: the explain timeline of a
// ticket that paused, escalated twice and was solved, and the names of the
// metrics dashboards and alerts are built on.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <thread>
#include <vector>

#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string explain(LiveStack& stack, int64_t id, const TempDir& dir) {
  Subprocess p({TIERD_BINARY, "explain", "--config", stack.config_path(), std::to_string(id)}, {},
               dir.file("explain.log"));
  auto status = p.wait(30s);
  REQUIRE(status);
  REQUIRE(*status == 0);
  return p.log();
}

// Position of `what` in `text` at or after `from`; npos when absent.
size_t after(const std::string& text, const std::string& what, size_t from) {
  return from == std::string::npos ? std::string::npos : text.find(what, from);
}

}  // namespace

TEST_CASE("explain tells a paused, twice escalated, solved ticket's story in order",
          "[integration][explain]") {
  LiveStack stack;  // tier1 2 s, tier2 3 s, tier3
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "a long story"}, {"group_id", 114001}, {"status", "open"}});
  std::this_thread::sleep_for(500ms);
  stack.agent_update(id, {{"status", "pending"}});
  std::this_thread::sleep_for(2500ms);  // longer than tier1's budget: paused, so no escalation
  REQUIRE(stack.group_of(id) == 114001);
  stack.agent_update(id, {{"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114003; }, 15s));
  stack.agent_update(id, {{"status", "solved"}}, 500122);
  std::this_thread::sleep_for(1s);

  TempDir dir;
  const std::string timeline = explain(stack, id, dir);
  INFO(timeline);
  size_t at = after(timeline, "entered tier1", 0);
  at = after(timeline, "clock paused in tier1: status pending", at);
  at = after(timeline, "clock running in tier1", at);
  at = after(timeline, "escalate tier1 -> tier2: budget 2s used up", at);
  at = after(timeline, "entered tier2", at);
  at = after(timeline, "escalate tier2 -> tier3: budget 3s used up", at);
  at = after(timeline, "entered tier3", at);
  at = after(timeline, "status solved", at);
  CHECK(at != std::string::npos);
  // The helpdesk's answers are in the timeline too (the webhook of a move may
  // come before or after the answer to the write that made it).
  CHECK(timeline.find("write confirmed by the helpdesk: HTTP 200") != std::string::npos);
}

TEST_CASE("/metrics names the series the operations guide documents", "[integration][metrics]") {
  LiveStack stack;
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = stack.create_ticket(
      {{"subject", "for the metrics"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 15s));

  httplib::Client client("127.0.0.1", stack.tierd_port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string& text = res->body;
  INFO(text.substr(0, 6000));
  for (const char* name : {"tierd_webhook_deliveries_total{", "tierd_webhook_ack_seconds_bucket",
                           "tierd_inbox_depth", "tierd_running_clocks{tier=\"tier2\"}",
                           "tierd_escalations_total{cause=\"timer\",from=\"tier1\",to=\"tier2\"} 1",
                           "tierd_outbox_depth", "tierd_outbox_oldest_age_seconds",
                           "tierd_vendor_responses_total{", "tierd_rate_limit_waits_total",
                           "tierd_timer_lateness_seconds_bucket", "tierd_dead_letters_total"}) {
    INFO(name);
    CHECK(text.find(name) != std::string::npos);
  }
}
