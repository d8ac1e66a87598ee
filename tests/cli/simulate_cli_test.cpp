// `tierd simulate` and `tierd check-config` as an admin first meets them: the
// README's worked example (config/team-example.jsonc with
// config/sample-events.jsonl), whose output the README shows and this test
// holds it to, and what they say about files they cannot fully use.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/process_harness.h"

using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run run_tierd(const std::vector<std::string>& args, const TempDir& dir, const std::string& name,
              const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {TIERD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, env, dir.file(name + ".log"));
  auto status = p.wait(30s);
  REQUIRE(status);
  return {*status, p.log()};
}

std::string source_file(const std::string& relative) {
  return std::string(TIERD_SOURCE_DIR) + "/" + relative;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of the README's fenced block between the simulate-example markers.
std::vector<std::string> readme_example() {
  std::ifstream in(source_file("README.md"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const auto begin = readme.find("<!-- simulate-example:begin -->");
  const auto end = readme.find("<!-- simulate-example:end -->");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::vector<std::string> lines;
  for (const auto& line : lines_of(readme.substr(begin, end - begin))) {
    if (line.empty() || line.rfind("<!--", 0) == 0 || line.rfind("```", 0) == 0) continue;
    lines.push_back(line);
  }
  return lines;
}

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
  return dir.file(name);
}

}  // namespace

TEST_CASE("the README's worked example checks and simulates exactly as the README shows",
          "[simulate][readme]") {
  TempDir dir;
  const std::string config = source_file("config/team-example.jsonc");
  const std::string events = source_file("config/sample-events.jsonl");

  // Shadow mode needs no API token, but going live will: check-config says so.
  Run check = run_tierd({"check-config", "--config", config}, dir, "check",
                        {{"TIERD_ZENDESK_TOKEN", ""}, {"TIERD_WEBHOOK_SECRET", "s3cret"}});
  INFO(check.output);
  CHECK(check.status == 0);
  CHECK(check.output.find("config OK") != std::string::npos);
  CHECK(check.output.find("TIERD_ZENDESK_TOKEN is empty (required in live mode); shadow mode runs "
                          "without it, going live will not") != std::string::npos);

  Run run = run_tierd({"simulate", "--config", config, "--events", events}, dir, "simulate");
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(run.output.find("skipped") == std::string::npos);
  const std::vector<std::string> shown = readme_example();
  REQUIRE(shown.size() >= 10);
  // Every line the README shows appears in the output, in the same order.
  const std::vector<std::string> printed = lines_of(run.output);
  size_t next = 0;
  for (const auto& line : shown) {
    INFO("README line: " << line);
    auto it = std::find(printed.begin() + static_cast<std::ptrdiff_t>(next), printed.end(), line);
    CHECK(it != printed.end());
    if (it != printed.end()) next = static_cast<size_t>(it - printed.begin()) + 1;
  }

  // One ticket's timeline, in the calendar's zone.
  Run one = run_tierd({"simulate", "--config", config, "--events", events, "--ticket", "103"}, dir,
                      "ticket");
  INFO(one.output);
  CHECK(one.status == 0);
  CHECK(one.output.find("Ticket 103, times in Europe/Amsterdam") != std::string::npos);
  CHECK(one.output.find("Thu 2026-04-30 10:05 CEST  clock paused in tier1: status pending") !=
        std::string::npos);
  CHECK(one.output.find("ticket 101") == std::string::npos);
  // Every kind of record in the example's flows (review, forward, tiers)
  // reads as a sentence, not as raw JSON.
  for (const char* ticket : {"101", "102", "104", "105"}) {
    Run story = run_tierd({"simulate", "--config", config, "--events", events, "--ticket", ticket},
                          dir, std::string("ticket-") + ticket);
    INFO(story.output);
    CHECK(story.status == 0);
    CHECK(story.output.find("{\"") == std::string::npos);
  }
  Run absent = run_tierd({"simulate", "--config", config, "--events", events, "--ticket", "999"},
                         dir, "absent");
  CHECK(absent.status == 3);

  // Another zone on request.
  Run london = run_tierd(
      {"simulate", "--config", config, "--events", events, "--tz", "Europe/London"}, dir, "tz");
  CHECK(london.output.find("Tue 2026-04-28 07:32 BST  ticket 101  escalate") != std::string::npos);
  Run atlantis = run_tierd(
      {"simulate", "--config", config, "--events", events, "--tz", "Europe/Atlantis"}, dir, "bad");
  CHECK(atlantis.status == 2);
  CHECK(atlantis.output.find("unknown time zone \"Europe/Atlantis\"") != std::string::npos);
}

TEST_CASE(
    "simulate names each unusable line and fails when nothing or, strictly, anything is "
    "skipped",
    "[simulate]") {
  TempDir dir;
  const std::string config = source_file("config/team-example.jsonc");
  std::ifstream sample(source_file("config/sample-events.jsonl"));
  std::string first_event;
  std::getline(sample, first_event);

  const std::string nothing = write(dir, "nothing.jsonl", "{\"hello\":1}\n\n[1,2]\n");
  Run empty = run_tierd({"simulate", "--config", config, "--events", nothing}, dir, "nothing");
  INFO(empty.output);
  CHECK(empty.status == 1);
  CHECK(empty.output.find("skipped line 1: no \"type\"") != std::string::npos);
  CHECK(empty.output.find("skipped line 3:") != std::string::npos);
  CHECK(empty.output.find("nothing to replay") != std::string::npos);

  const std::string mixed = write(dir, "mixed.jsonl", first_event + "\n{not json\n");
  Run lenient = run_tierd({"simulate", "--config", config, "--events", mixed}, dir, "lenient");
  INFO(lenient.output);
  CHECK(lenient.status == 0);
  CHECK(lenient.output.find("skipped line 2: body is not valid JSON") != std::string::npos);
  Run strict =
      run_tierd({"simulate", "--config", config, "--events", mixed, "--strict"}, dir, "strict");
  CHECK(strict.status == 1);
  CHECK(strict.output.find("--strict: 1 of 2 lines skipped") != std::string::npos);
}

TEST_CASE("a lead group that is a tier's group gives an overdue review that tier's clock",
          "[simulate]") {
  TempDir dir;
  std::ifstream in(source_file("config/team-example.jsonc"));
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string lead = "\"lead_group\": 200009";
  REQUIRE(config.find(lead) != std::string::npos);
  config.replace(config.find(lead), lead.size(), "\"lead_group\": 200003");  // tier 2's group
  const std::string path = write(dir, "lead-in-tier2.jsonc", config);
  Run run = run_tierd({"simulate", "--config", path, "--events",
                       source_file("config/sample-events.jsonl"), "--ticket", "105"},
                      dir, "lead");
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(run.output.find("11:30 CEST  entered tier2 (review_escalation)") != std::string::npos);
  CHECK(run.output.find("12:00 CEST  escalate tier2 -> tier3") != std::string::npos);
}
