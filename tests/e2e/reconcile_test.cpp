// End to end: tierd's reconciler reads the helpdesk's changed tickets
// (zendesk-sim's incremental export, freshdesk-sim's ticket list by
// updated_at) and catches up on tickets whose webhooks were lost. The
// reconciler paces itself at the listing limit (with these configs one
// request per 6 s on Zendesk, per 3.75 s on a Freshdesk Growth plan), so each
// test waits for a second or third run.
// Every scenario runs against both simulators.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "support/any_vendor.h"
#include "support/live_stack.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

LiveStackOptions reconcile_options(Vendor vendor, const json& tiers) {
  LiveStackOptions options;
  options.vendor = vendor;
  options.tiers = tiers;
  options.extra_config = {{"reconcile", {{"enabled", true}, {"interval", "1s"}}}};
  if (vendor == Vendor::kZendesk) options.extra_config["zendesk"] = {{"rate_share", 1.0}};
  return options;
}

// One unlabelled sample from tierd's /metrics; nullopt when absent.
std::optional<double> metric(LiveStack& stack, const std::string& name) {
  httplib::Client client("127.0.0.1", stack.tierd_port());
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  const std::string& text = res->body;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    pos = end + 1;
  }
  return std::nullopt;
}

double metric_or_zero(LiveStack& stack, const std::string& name) {
  return metric(stack, name).value_or(0);
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

// tierd's audit timeline of one ticket (an empty array before tierd knows it).
json timeline(LiveStack& stack, int64_t id) {
  const std::string out =
      run_command(std::string(TIERD_BINARY) + " explain --json --config " + stack.config_path() +
                  " " + std::to_string(id) + " 2>/dev/null");
  json parsed = json::parse(out, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("timeline")) return json::array();
  return parsed["timeline"];
}

std::vector<json> entries(const json& line, const std::string& kind) {
  std::vector<json> out;
  for (const auto& e : line) {
    if (e.value("kind", "") == kind) out.push_back(e);
  }
  return out;
}

bool is_reconcile_event(const json& entry) {
  return entry.value("event_id", "").rfind("reconcile:", 0) == 0;
}

bool is_export_request(const LiveStack& stack, const json& request) {
  const std::string path = request.value("path", "");
  if (stack.vendor() == Vendor::kFreshdesk)
    return request.value("method", "") == "GET" && path == "/api/v2/tickets";
  return path.rfind("/api/v2/incremental/tickets/cursor", 0) == 0;
}

// The export requests tierd made, oldest first.
std::vector<json> export_requests(LiveStack& stack) {
  std::vector<json> out;
  const json log = stack.sim("GET", "/sim/requests");
  for (const auto& r : log.at("requests")) {
    if (is_export_request(stack, r)) out.push_back(r);
  }
  return out;
}

// Where the export requests go, for fault injection.
std::string export_path_prefix(const LiveStack& stack) {
  return stack.vendor() == Vendor::kFreshdesk ? "/api/v2/tickets" : "/api/v2/incremental/";
}

// Successful writes to one ticket, as the simulator recorded them.
json successful_writes(LiveStack& stack, int64_t id) {
  json out = json::array();
  const json log = stack.sim("GET", "/sim/requests");
  for (const auto& r : log.at("requests")) {
    if (r.value("method", "") == "PUT" &&
        r.value("path", "").rfind("/api/v2/tickets/" + std::to_string(id), 0) == 0 &&
        r.value("status", 0) == 200) {
      out.push_back(r);
    }
  }
  return out;
}

bool delivered_any(LiveStack& stack, int64_t id) {
  const json webhooks = stack.sim("GET", "/sim/webhooks");
  for (const auto& d : webhooks.at("deliveries")) {
    if (d.value("ticket_id", int64_t{0}) == id && d.value("outcome", "") == "delivered")
      return true;
  }
  return false;
}

tierd::Instant instant(const std::string& text) {
  auto t = tierd::parse_instant(text);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("tickets whose webhooks were lost are reconciled and escalate on time, once",
          "[integration][reconcile]") {
  LiveStack stack(reconcile_options(any_vendor(), json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "4s"},
    {"name": "tier2", "groups": [114002]}])")));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  // Paused, the simulator drops every webhook: as if tierd was unreachable
  // for longer than the vendor retries.
  stack.sim("POST", "/sim/webhooks/pause");
  const int64_t a =
      stack.create_ticket({{"subject", "lost one"}, {"group_id", 114001}, {"status", "open"}});
  const int64_t b =
      stack.create_ticket({{"subject", "lost two"}, {"group_id", 114001}, {"status", "new"}});

  REQUIRE(LiveStack::eventually(
      [&] { return stack.group_of(a) == 114002 && stack.group_of(b) == 114002; }, 30s));
  CHECK_FALSE(delivered_any(stack, a));
  CHECK_FALSE(delivered_any(stack, b));

  // A later run exports the escalated tickets again; that changes nothing.
  const double runs = metric_or_zero(stack, "tierd_reconcile_runs_total");
  REQUIRE(LiveStack::eventually(
      [&] { return metric_or_zero(stack, "tierd_reconcile_runs_total") >= runs + 2; }, 20s));
  for (int64_t id : {a, b}) {
    INFO("ticket " << id);
    auto notes = stack.tierd_notes(id);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("Escalated from tier1 to tier2") != std::string::npos);
    // One write for the escalation. A run that finds the ticket after the
    // at-risk share of its budget has gone (a slow machine) tags it at risk
    // first: one more write, or the same request when the two merge. Each
    // is confirmed once, and each request to the helpdesk is one of those.
    const json line = timeline(stack, id);
    const size_t at_risk_writes = entries(line, "at_risk").size();
    CHECK(at_risk_writes <= 1);
    const auto confirmations = entries(line, "write_confirmed");
    std::vector<std::string> confirmed;
    for (const auto& e : confirmations) {
      for (const auto& key : e["detail"]["keys"]) confirmed.push_back(key.get<std::string>());
    }
    std::sort(confirmed.begin(), confirmed.end());
    CHECK(std::adjacent_find(confirmed.begin(), confirmed.end()) == confirmed.end());
    CHECK(confirmed.size() == 1 + at_risk_writes);
    const json writes = successful_writes(stack, id);
    INFO("writes " << writes.dump());
    INFO("tierd log:\n"
         << (writes.size() == confirmations.size() ? std::string() : stack.tierd_log()));
    CHECK(writes.size() == confirmations.size());

    // The clock started when the ticket entered tier 1 at the helpdesk, not
    // when the reconciler found it.
    auto entered = entries(line, "tier_entered");
    REQUIRE(entered.size() == 2);
    CHECK(entered[0]["detail"]["how"] == "first_seen");
    CHECK(instant(entered[0]["detail"]["at"].get<std::string>()) ==
          instant(stack.ticket(id).at("created_at").get<std::string>()));
    CHECK(entered[1]["detail"]["how"] == "escalation");
    for (const auto& e : entries(line, "event")) CHECK(is_reconcile_event(e));
  }
  CHECK(metric_or_zero(stack, "tierd_reconcile_errors_total") == 0);
}

TEST_CASE("the reconcile cursor survives a crash: the next run does not re-read old pages",
          "[integration][reconcile]") {
  LiveStack stack(reconcile_options(any_vendor(), json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "1h"},
    {"name": "tier2", "groups": [114002]}])")));
  stack.start_sim();
  stack.seed_org();
  stack.sim("POST", "/sim/webhooks/pause");
  const int64_t first =
      stack.create_ticket({{"subject", "before"}, {"group_id", 114001}, {"status", "open"}});
  stack.start_tierd();
  REQUIRE(LiveStack::eventually(
      [&] { return metric_or_zero(stack, "tierd_reconcile_tickets_total") >= 1; }, 20s));
  REQUIRE(LiveStack::eventually([&] { return !entries(timeline(stack, first), "event").empty(); },
                                10s));

  stack.stop_tierd(SIGKILL);
  stack.sim("DELETE", "/sim/requests");
  stack.start_tierd();
  REQUIRE(LiveStack::eventually(
      [&] { return metric_or_zero(stack, "tierd_reconcile_runs_total") >= 1; }, 20s));
  auto requests = export_requests(stack);
  REQUIRE_FALSE(requests.empty());
  if (stack.vendor() == Vendor::kFreshdesk) {
    // The listing starts at the last change seen, not an hour back.
    const json query = requests.front().at("query");
    CHECK(instant(query.value("updated_since", "")) ==
          instant(stack.ticket(first).at("updated_at").get<std::string>()));
  } else {
    const std::string query = requests.front().value("query", "");
    CHECK(query.find("cursor=") != std::string::npos);
    CHECK(query.find("start_time=") == std::string::npos);
  }
  CHECK(metric_or_zero(stack, "tierd_reconcile_tickets_total") == 0);

  // Only what changed after the cursor comes next.
  const int64_t second =
      stack.create_ticket({{"subject", "after"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return !entries(timeline(stack, second), "event").empty(); },
                                20s));
  CHECK(metric_or_zero(stack, "tierd_reconcile_tickets_total") == 1);
  CHECK(entries(timeline(stack, first), "event").size() == 1);
}

TEST_CASE("the reconciler waits out a 429's Retry-After and retries a 503",
          "[integration][reconcile]") {
  LiveStack stack(reconcile_options(any_vendor(), json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "2s"},
    {"name": "tier2", "groups": [114002]}])")));
  stack.start_sim();
  stack.seed_org();
  stack.sim("POST", "/sim/webhooks/pause");
  const int64_t id =
      stack.create_ticket({{"subject", "throttled"}, {"group_id", 114001}, {"status", "open"}});
  // Nothing else reads tickets before tierd has heard of one: the faults
  // meet the export's first requests.
  stack.sim("POST", "/sim/faults",
            {{"faults",
              {{{"method", "GET"},
                {"path_prefix", export_path_prefix(stack)},
                {"status", 429},
                {"retry_after", 8}},
               {{"method", "GET"}, {"path_prefix", export_path_prefix(stack)}, {"status", 503}}}}});
  stack.start_tierd();

  // The budget ran out before tierd heard of the ticket: it moves at once.
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 40s));
  auto requests = export_requests(stack);
  REQUIRE(requests.size() >= 3);
  CHECK(requests[0].value("status", 0) == 429);
  CHECK(requests[1].value("status", 0) == 503);
  CHECK(requests[2].value("status", 0) == 200);
  const auto waited = instant(requests[1].at("time").get<std::string>()) -
                      instant(requests[0].at("time").get<std::string>());
  // Retry-After: 8 is longer than the reconciler's own pacing (one request
  // per 6 s, 7.5 s on Freshdesk).
  CHECK(waited >= 7900ms);
  CHECK(requests[1].at("query") == requests[0].at("query"));
  CHECK(requests[2].at("query") == requests[0].at("query"));
  CHECK(metric_or_zero(stack, "tierd_reconcile_errors_total") == 2);
  CHECK(stack.tierd_notes(id).size() == 1);
}

TEST_CASE("a reconciled ticket whose webhook also arrives is processed once",
          "[integration][reconcile]") {
  LiveStack stack(reconcile_options(any_vendor(), json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "1h"},
    {"name": "tier2", "groups": [114002]}])")));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  const int64_t id =
      stack.create_ticket({{"subject", "heard twice"}, {"group_id", 114001}, {"status", "open"}});

  // The webhook comes at once; the reconciler's copy at its next run.
  json line;
  REQUIRE(LiveStack::eventually(
      [&] {
        line = timeline(stack, id);
        auto events = entries(line, "event");
        return std::any_of(events.begin(), events.end(), is_reconcile_event);
      },
      20s));
  CHECK(delivered_any(stack, id));
  auto events = entries(line, "event");
  REQUIRE(events.size() >= 2);
  CHECK_FALSE(is_reconcile_event(events.front()));

  // The same state twice: one tier entry, one running clock, and the
  // reconciled copy leaves nothing in the audit beyond its own receipt.
  CHECK(entries(line, "tier_entered").size() == 1);
  CHECK(entries(line, "clock_running").size() == 1);
  for (const auto& e : line) {
    if (is_reconcile_event(e)) CHECK(e.value("kind", "") == "event");
  }
  CHECK(successful_writes(stack, id).empty());
  CHECK(stack.tierd_notes(id).empty());
}
