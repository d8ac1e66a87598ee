// The analytics commands as an admin runs them: `tierd simulate` on a JSONL
// file, and `tierd report` / `tierd export-events` on the store of a real
// tierd that escalated tickets through zendesk-sim.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/live_stack.h"
#include "support/process_harness.h"
#include "support/fixtures.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run run_tierd(const std::vector<std::string>& args, const TempDir& dir, const std::string& name) {
  std::vector<std::string> argv = {TIERD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, {}, dir.file(name + ".log"));
  auto status = p.wait(30s);
  REQUIRE(status);
  return {*status, p.log()};
}

// The JSON objects of a --json output, one per line (log lines are skipped).
std::vector<json> json_lines(const std::string& output) {
  std::vector<json> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

std::string offline_config(const TempDir& dir, const std::string& tier1_budget) {
  json config = {{"store", {{"sqlite", {{"path", dir.file("unused.db")}}}}},
                 {"zendesk", {{"base_url", "https://acme.zendesk.com"}, {"email", "bot@acme.com"}}},
                 {"tiers",
                  {{{"name", "tier1"}, {"groups", {114001}}, {"escalate_after", tier1_budget}},
                   {{"name", "tier2"}, {"groups", {114002}}, {"escalate_after", "30m"}},
                   {{"name", "tier3"}, {"groups", {114003}}}}}};
  std::string path = dir.file("tierd-" + tier1_budget + ".json");
  write_file(path, config.dump(2));
  return path;
}

// The issue's ticket as Zendesk delivers it: created 09:00, pending 09:05, open 09:20.
std::string issue_events(const TempDir& dir) {
  json created = fixture_json("zendesk/ticket_created.json");
  created["time"] = "2025-03-10T09:00:00Z";
  created["detail"]["created_at"] = "2025-03-10T09:00:00Z";
  created["detail"]["updated_at"] = "2025-03-10T09:00:00Z";
  std::string text = created.dump() + "\n";
  const char* changes[][3] = {{"2025-03-10T09:05:00Z", "NEW", "PENDING"},
                              {"2025-03-10T09:20:00Z", "PENDING", "OPEN"}};
  int n = 0;
  for (const auto& c : changes) {
    json p = fixture_json("zendesk/ticket_status_changed.json");
    p["id"] = "status-" + std::to_string(++n);
    p["time"] = c[0];
    p["detail"]["updated_at"] = c[0];
    p["detail"]["created_at"] = "2025-03-10T09:00:00Z";
    p["detail"]["status"] = c[2];
    p["event"]["previous"] = c[1];
    p["event"]["current"] = c[2];
    text += p.dump() + "\n";
  }
  std::string path = dir.file("events.jsonl");
  write_file(path, text);
  return path;
}

const json& tier(const json& report, const std::string& name) {
  for (const auto& t : report.at("tiers")) {
    if (t.at("name") == name) return t;
  }
  FAIL("no tier " << name << " in " << report.dump());
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("simulate --json prints each decision and then the summary", "[integration][simulate]") {
  TempDir dir;
  std::string config = offline_config(dir, "15m");
  Run run = run_tierd({"simulate", "--config", config, "--events", issue_events(dir), "--json"},
                      dir, "simulate");
  INFO(run.output);
  REQUIRE(run.status == 0);
  std::vector<json> lines = json_lines(run.output);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0]["at"] == "2025-03-10T09:27:00Z");
  CHECK(lines[0]["action"] == "at_risk");
  CHECK(lines[1]["at"] == "2025-03-10T09:30:00Z");
  CHECK(lines[1]["action"] == "escalate");
  CHECK(lines[1]["ticket"] == 48213);
  CHECK(lines[1]["from"] == "tier1");
  CHECK(lines[1]["to"] == "tier2");
  CHECK_FALSE(lines[1]["reason"].get<std::string>().empty());
  CHECK(lines[3]["at"] == "2025-03-10T10:00:00Z");
  CHECK(lines[3]["to"] == "tier3");
  const json& summary = lines[4].at("summary");
  CHECK(tier(summary, "tier1")["entered"] == 1);
  CHECK(tier(summary, "tier1")["escalated_out"] == 1);
  CHECK(tier(summary, "tier3")["entered"] == 1);
  CHECK(summary["run"]["events"] == 3);
}

TEST_CASE("simulate --diff shows what a longer budget would change", "[integration][simulate]") {
  TempDir dir;
  std::string events = issue_events(dir);
  Run run = run_tierd({"simulate", "--config", offline_config(dir, "15m"), "--events", events,
                       "--diff", offline_config(dir, "20m")},
                      dir, "diff");
  INFO(run.output);
  REQUIRE(run.status == 0);
  // Both policies' reasons, each with its own budget.
  CHECK(run.output.find("~ Mon 2025-03-10 09:30 UTC  ticket 48213  escalate  tier1 -> tier2  15m of "
                        "handling time used, budget 15m") != std::string::npos);
  CHECK(run.output.find("now Mon 2025-03-10 09:35 UTC  ticket 48213  escalate  tier1 -> tier2  "
                        "20m of handling time used, budget 20m") != std::string::npos);
  CHECK(run.output.find("0 decisions the same, 4 different") != std::string::npos);

  Run bad = run_tierd(
      {"simulate", "--config", offline_config(dir, "15m"), "--events", dir.file("missing.jsonl")},
      dir, "missing");
  CHECK(bad.status == 1);
}

TEST_CASE("report counts a live run's tiers and export-events replays it for simulate",
          "[integration][report]") {
  LiveStackOptions options;  // tier1 2s, tier2 3s, tier3
  options.extra_config = {{"zendesk", {{"api_user_id", 400001}}}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t solved_in_1 =
      stack.create_ticket({{"subject", "quick"}, {"group_id", 114001}, {"status", "open"}});
  int64_t solved_in_2 =
      stack.create_ticket({{"subject", "harder"}, {"group_id", 114001}, {"status", "open"}});
  int64_t reached_3 =
      stack.create_ticket({{"subject", "hardest"}, {"group_id", 114001}, {"status", "open"}});
  stack.agent_update(solved_in_1, {{"status", "solved"}, {"assignee_id", 500120}}, 500120);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(solved_in_2) == 114002; }, 10s));
  stack.agent_update(solved_in_2, {{"status", "solved"}, {"assignee_id", 500122}}, 500122);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(reached_3) == 114003; }, 15s));
  std::this_thread::sleep_for(1s);  // the last echoes reach the inbox
  stack.stop_tierd(SIGTERM);

  TempDir dir;
  Run report = run_tierd({"report", "--config", stack.config_path(), "--json", "--since", "1h"},
                         dir, "report");
  INFO(report.output);
  REQUIRE(report.status == 0);
  json r = json::parse(report.output.substr(report.output.find('{')));
  CHECK(r["tickets"] == 3);
  CHECK(tier(r, "tier1")["entered"] == 3);
  CHECK(tier(r, "tier1")["solved_in_tier"] == 1);
  CHECK(tier(r, "tier1")["escalated_out"] == 2);
  CHECK(tier(r, "tier2")["entered"] == 2);
  CHECK(tier(r, "tier2")["solved_in_tier"] == 1);
  CHECK(tier(r, "tier2")["escalated_out"] == 1);
  CHECK(tier(r, "tier3")["entered"] == 1);
  CHECK(tier(r, "tier3")["solved_in_tier"] == 0);
  std::map<int64_t, int64_t> solved;
  for (const auto& a : r.at("agents"))
    solved[a.at("id").get<int64_t>()] = a.at("solved").get<int64_t>();
  CHECK(solved[500120] == 1);
  CHECK(solved[500122] == 1);

  Run text = run_tierd({"report", "--config", stack.config_path()}, dir, "report-text");
  CHECK(text.status == 0);
  CHECK(text.output.find("~80% solved here") != std::string::npos);

  std::string exported = dir.file("week.jsonl");
  Run exp = run_tierd(
      {"export-events", "--config", stack.config_path(), "--since", "1h", "--out", exported}, dir,
      "export");
  INFO(exp.output);
  REQUIRE(exp.status == 0);
  std::string body = read_file(exported);
  CHECK(std::count(body.begin(), body.end(), '\n') >= 5);
  Run replay = run_tierd(
      {"simulate", "--config", stack.config_path(), "--events", exported, "--json"}, dir, "replay");
  INFO(replay.output);
  REQUIRE(replay.status == 0);
  std::vector<json> lines = json_lines(replay.output);
  REQUIRE_FALSE(lines.empty());
  const json& summary = lines.back().at("summary");
  CHECK(summary["run"]["own_writes_skipped"].get<int64_t>() >
        0);  // tierd's writes, recorded as echoes
  CHECK(tier(summary, "tier1")["entered"] == 3);
  CHECK(tier(summary, "tier1")["solved_in_tier"] == 1);
  CHECK(tier(summary, "tier3")["entered"] == 1);
}
