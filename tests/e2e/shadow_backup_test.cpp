// Shadow mode against the simulator (decide and audit, write nothing) and
// `tierd backup` of a running instance's store.
#include <sqlite3.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct ToolRun {
  int status = -1;
  std::string output;
};

ToolRun run_tierd(const std::vector<std::string>& args, const TempDir& dir,
                  const std::string& name) {
  std::vector<std::string> argv = {TIERD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, {}, dir.file(name + ".log"));
  auto status = p.wait(30s);
  REQUIRE(status);
  return {*status, p.log()};
}

int ticket_writes(LiveStack& stack) {
  int writes = 0;
  const json log = stack.sim("GET", "/sim/requests");
  for (const auto& r : log.at("requests")) {
    const std::string path = r.value("path", "");
    if (r.value("method", "") == "PUT" && path.rfind("/api/v2/tickets", 0) == 0) ++writes;
  }
  return writes;
}

int64_t count_rows(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST_CASE("shadow mode decides and explains escalations but writes nothing",
          "[integration][shadow]") {
  LiveStackOptions options;
  options.extra_config = {{"mode", "shadow"}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "shadowed"}, {"group_id", 114001}, {"status", "open"}});
  // tier1's budget is 2 s and tier2's 3 s: both would have been used up.
  std::this_thread::sleep_for(6s);
  CHECK(ticket_writes(stack) == 0);
  CHECK(stack.group_of(id) == 114001);
  CHECK(stack.tierd_notes(id).empty());

  TempDir dir;
  ToolRun explain =
      run_tierd({"explain", "--config", stack.config_path(), std::to_string(id)}, dir, "explain");
  INFO(explain.output);
  CHECK(explain.status == 0);
  CHECK(explain.output.find("shadow mode: would write escalate") != std::string::npos);
  CHECK(explain.output.find("tier2") != std::string::npos);
  CHECK(explain.output.find("tier3") != std::string::npos);
}

TEST_CASE("a reload from shadow to live writes only what is still due", "[integration][shadow]") {
  LiveStackOptions options;
  options.tiers = json::parse(R"([{"name": "tier1", "groups": [114001], "escalate_after": "2s"},
                                  {"name": "tier2", "groups": [114002], "escalate_after": "1h"},
                                  {"name": "tier3", "groups": [114003]}])");
  options.extra_config = {{"mode", "shadow"}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t open =
      stack.create_ticket({{"subject", "still open"}, {"group_id", 114001}, {"status", "open"}});
  int64_t solved = stack.create_ticket(
      {{"subject", "solved meanwhile"}, {"group_id", 114001}, {"status", "open"}});
  // Both would have been escalated; then an agent solves one of them.
  std::this_thread::sleep_for(3500ms);
  stack.agent_update(solved, {{"status", "solved"}});
  std::this_thread::sleep_for(1000ms);
  REQUIRE(ticket_writes(stack) == 0);

  json config = json::parse(read_file(stack.config_path()));
  config["mode"] = "live";
  write_file(stack.config_path(), config.dump(2));
  stack.signal_tierd(SIGHUP);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(open) == 114002; }, 15s));
  CHECK(stack.tierd_log().find("reload: mode live") != std::string::npos);
  auto notes = stack.tierd_notes(open);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("shadow mode") != std::string::npos);
  CHECK(notes[0].find("from tier1 to tier2") != std::string::npos);
  json tags = stack.ticket(open).at("tags");
  CHECK(std::find(tags.begin(), tags.end(), "tierd_tier2") != tags.end());

  // The solved ticket needs nothing: it is left as the agent left it.
  std::this_thread::sleep_for(1500ms);
  CHECK(stack.group_of(solved) == 114001);
  CHECK(stack.tierd_notes(solved).empty());
  json solved_tags = stack.ticket(solved).at("tags");
  CHECK(std::find(solved_tags.begin(), solved_tags.end(), "tierd_tier2") == solved_tags.end());
  // And the open ticket got exactly one write.
  CHECK(ticket_writes(stack) == 1);
}

// `tierd backup` copies the SQLite file; a PostgreSQL store is backed up with
// PostgreSQL's own tools, hence SQLite only.
TEST_CASE("tierd backup copies a running instance's store consistently",
          "[integration][backup][sqlite-only]") {
  LiveStack stack;
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "backed up"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 15s));

  TempDir dir;
  const std::string copy = dir.file("copy.db");
  ToolRun backup =
      run_tierd({"backup", "--config", stack.config_path(), "--out", copy}, dir, "backup");
  INFO(backup.output);
  REQUIRE(backup.status == 0);
  // The copy is a whole store: the ticket's mirror, its audit and the inbox.
  CHECK(count_rows(copy, "SELECT count(*) FROM tickets") >= 1);
  CHECK(count_rows(copy, "SELECT count(*) FROM audit") > 0);
  CHECK(count_rows(copy, "SELECT count(*) FROM inbox") > 0);
  ToolRun explain =
      run_tierd({"explain", "--config", stack.config_path(), std::to_string(id)}, dir, "explain");
  CHECK(explain.status == 0);

  ToolRun missing_out = run_tierd({"backup", "--config", stack.config_path()}, dir, "backup-usage");
  CHECK(missing_out.status != 0);
}
