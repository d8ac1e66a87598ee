// `tierd report` on a trail a real tierd wrote while zendesk-sim delivered
// the changes: who is credited with a solve (the assignee at the moment of
// the solve, an assist for another agent who solved it, never a requester or
// an automation), and the numbers on whether tiering works (escalations by
// cause, a bounce-back, a reopen, a misroute).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// `tierd report` with `args`; its output.
std::string run_report(LiveStack& stack, const TempDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {TIERD_BINARY, "report", "--config", stack.config_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, {}, dir.file("report-" + std::to_string(args.size()) + ".log"));
  auto status = p.wait(30s);
  REQUIRE(status);
  INFO(p.log());
  REQUIRE(*status == 0);
  return p.log();
}

json report_json(LiveStack& stack, const TempDir& dir) {
  const std::string out = run_report(stack, dir, {"--json", "--since", "1h"});
  return json::parse(out.substr(out.find('{')));
}

// The lines of a CSV text without commas in its fields, split into cells.
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::istringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) cells.push_back(cell);
    rows.push_back(std::move(cells));
  }
  return rows;
}

constexpr int64_t kRequester = 902001;  // the simulator's default requester
constexpr int64_t kSystem = -1;         // automations and triggers
constexpr int64_t kReviewer = 500777;

const json& named(const json& list, const std::string& name) {
  for (const auto& item : list) {
    if (item.at("name") == name) return item;
  }
  FAIL("no " << name << " in " << list.dump());
  throw std::logic_error("unreachable");
}

bool has_tag(const json& ticket, const std::string& tag) {
  for (const auto& t : ticket.at("tags")) {
    if (t.get<std::string>() == tag) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("report credits the assignee for requester, colleague, automation and unassigned solves",
          "[integration][report]") {
  LiveStackOptions options;
  options.tiers = json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "1h"},
    {"name": "tier2", "groups": [114002]}])");
  options.extra_config = {{"zendesk", {{"api_user_id", 400001}}}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  auto assigned_ticket = [&](const char* subject, int64_t assignee) {
    int64_t id = stack.create_ticket({{"subject", subject}, {"group_id", 114001}});
    stack.agent_update(id, {{"assignee_id", assignee}}, assignee);
    return id;
  };
  int64_t by_requester = assigned_ticket("thanks, fixed", 500120);
  int64_t by_colleague = assigned_ticket("colleague's", 500121);
  int64_t by_automation = assigned_ticket("gone quiet", 500121);
  int64_t unassigned = stack.create_ticket({{"subject", "never mind"}, {"group_id", 114001}});
  stack.agent_update(by_requester, {{"status", "solved"}}, kRequester);
  stack.agent_update(by_colleague, {{"status", "solved"}}, 500120);
  stack.agent_update(by_automation, {{"status", "solved"}}, kSystem);
  stack.agent_update(unassigned, {{"status", "solved"}}, kRequester);
  std::this_thread::sleep_for(1s);  // the last webhooks reach the inbox
  stack.stop_tierd(SIGTERM);

  TempDir dir;
  json r = report_json(stack, dir);
  INFO(r.dump(2));
  CHECK(r["solved"] == 4);
  CHECK(r["unassigned_solves"] == 1);
  std::map<int64_t, json> agents;
  for (const auto& a : r.at("agents")) agents[a.at("id").get<int64_t>()] = a;
  REQUIRE(agents.count(500120) == 1);
  CHECK(agents[500120]["solved"] == 1);    // the requester's solve of their ticket
  CHECK(agents[500120]["assisted"] == 1);  // the colleague's ticket
  REQUIRE(agents.count(500121) == 1);
  CHECK(agents[500121]["solved"] == 2);  // its own ticket solved by a colleague, and by automation
  CHECK(agents[500121]["assisted"] == 0);
  CHECK(agents.count(kRequester) == 0);
  CHECK(agents.count(kSystem) == 0);
  CHECK(agents.count(400001) == 0);

  // The CSV table carries the JSON's numbers.
  auto rows = csv_rows(run_report(stack, dir, {"--csv", "--table", "agents", "--since", "1h"}));
  REQUIRE(rows.size() == r.at("agents").size() + 1);
  REQUIRE(rows[0].size() >= 3);
  CHECK(rows[0][0] == "id");
  for (size_t i = 1; i < rows.size(); ++i) {
    const json& a = agents.at(std::stoll(rows[i][0]));
    for (size_t c = 1; c < rows[0].size(); ++c) {
      INFO(rows[0][c]);
      const json& value = a.at(rows[0][c]);
      CHECK(rows[i][c] == (value.is_null()     ? ""
                           : value.is_string() ? value.get<std::string>()
                                               : value.dump()));
    }
  }
}

TEST_CASE("report counts escalation causes, a bounce-back, a reopen and a misroute",
          "[integration][report]") {
  LiveStackOptions options;
  options.tiers = json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "2s"},
    {"name": "tier2", "groups": [114002], "escalate_after": "1h"},
    {"name": "tier3", "groups": [114003]}])");
  options.extra_config = json::parse(R"({
    "zendesk": {"api_user_id": 400001},
    "review": {"groups": [114000], "reviewers": [500777], "assign_reviewer": true},
    "routes": [{"name": "setup", "group": 114002, "agents": [500122, 500123],
                "assign": "least_open"}]
  })");
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  // Pending tickets keep tier 1's clock still, so only the timer ticket runs out.
  int64_t by_timer = stack.create_ticket({{"subject", "slow"}, {"group_id", 114001}});
  int64_t by_tag =
      stack.create_ticket({{"subject", "asked up"}, {"group_id", 114001}, {"status", "pending"}});
  int64_t by_hand =
      stack.create_ticket({{"subject", "moved up"}, {"group_id", 114001}, {"status", "pending"}});
  int64_t reopened =
      stack.create_ticket({{"subject", "came back"}, {"group_id", 114001}, {"status", "pending"}});
  int64_t misrouted =
      stack.create_ticket({{"subject", "wrong place"}, {"group_id", 114000}, {"status", "new"}});

  stack.agent_update(by_tag, {{"additional_tags", {"tierd_escalate"}}});
  stack.agent_update(by_hand, {{"group_id", 114002}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(by_tag) == 114002; }, 10s));
  stack.agent_update(by_hand, {{"group_id", 114001}}, 500122);  // and back down: a bounce-back
  stack.agent_update(reopened, {{"status", "solved"}, {"assignee_id", 500120}});
  stack.agent_update(reopened, {{"status", "pending"}}, kRequester);
  REQUIRE(LiveStack::eventually(
      [&] {
        json t = stack.ticket(misrouted);
        return has_tag(t, "tierd_review") && !t.at("assignee_id").is_null();
      },
      10s));
  stack.agent_update(misrouted, {{"additional_tags", {"tierd_forward_setup"}}}, kReviewer);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(misrouted) == 114002; }, 10s));
  stack.agent_update(misrouted, {{"group_id", 114003}, {"assignee_id", 500124}}, 500124);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(by_timer) == 114002; }, 10s));
  std::this_thread::sleep_for(1s);  // the last webhooks reach the inbox
  stack.stop_tierd(SIGTERM);

  TempDir dir;
  json r = report_json(stack, dir);
  INFO(r.dump(2));
  const json& tier1 = named(r.at("tiers"), "tier1");
  CHECK(tier1["escalated_by"]["timer"] == 1);
  CHECK(tier1["escalated_by"]["manual_tag"] == 1);
  CHECK(tier1["escalated_by"]["agent_move"] == 1);
  CHECK(tier1["solves"] == 1);
  CHECK(tier1["reopened"] == 1);
  CHECK(tier1["reopen_rate"] == 1.0);
  const json& tier2 = named(r.at("tiers"), "tier2");
  CHECK(tier2["bounced_back"] == 1);
  CHECK(tier2["escalated_by"]["agent_move"] == 1);  // the misrouted ticket, moved on by hand
  const json& setup = named(r.at("routes"), "setup");
  CHECK(setup["forwarded"] == 1);
  CHECK(setup["misroutes"] == 1);
  CHECK(setup["escalated_by"]["agent_move"] == 1);
  CHECK(r["review"]["misroutes"] == 1);
  REQUIRE(r.at("reviewers").size() == 1);
  CHECK(r["reviewers"][0]["id"] == kReviewer);
  CHECK(r["reviewers"][0]["misroutes"] == 1);
}
