// The command line as an admin and a script meet it: the version, unknown
// commands and usage errors (exit 2), where check-config's warnings go, the
// default config path, read-only commands that never create a store, and a
// bash completion that knows every command. (A bind failure that says why is
// tests/http/serve_instance_test.cpp's.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "cli/cli_run.h"
#include "store/sqlite/sqlite_store.h"
#include "support/must.h"

using namespace tierd;
using namespace tierd::testing;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// A config whose store is `db` (which need not exist) and whose helpdesk is a
// closed loopback port: enough for every command that does not call it.
std::string write_config(const TempDir& dir, const std::string& db) {
  json config = {{"mode", "shadow"},
                 {"listen", {{"host", "127.0.0.1"}, {"port", 8080}}},
                 {"store", {{"sqlite", {{"path", db}}}}},
                 {"zendesk",
                  {{"base_url", "http://127.0.0.1:9"},
                   {"email", "bot@example.com"},
                   {"api_user_id", 400001},
                   {"api_token_env", "CLI_TEST_TOKEN"},
                   {"webhook_secret_env", "CLI_TEST_SECRET"}}},
                 {"tiers",
                  {{{"name", "tier1"}, {"groups", {114001}}, {"escalate_after", "15m"}},
                   {{"name", "tier2"}, {"groups", {114002}}}}},
                 {"reconcile", {{"enabled", false}}}};
  const std::string path = dir.file("tierd.json");
  write_file(path, config.dump(2));
  return path;
}

const std::map<std::string, std::string> kSecrets = {{"CLI_TEST_TOKEN", "t"},
                                                     {"CLI_TEST_SECRET", "s"}};

// The subcommands `tierd --help` lists.
std::vector<std::string> commands(const TempDir& dir) {
  CliRun help = run_cli({"--help"}, dir, "help");
  REQUIRE(help.status == 0);
  std::vector<std::string> names;
  auto at = help.out.find("Subcommands:");
  REQUIRE(at != std::string::npos);
  std::regex line(R"(\n  ([a-z][a-z-]*) )");
  auto rest = help.out.substr(at);
  for (std::sregex_iterator it(rest.begin(), rest.end(), line), end; it != end; ++it) {
    names.push_back((*it)[1]);
  }
  REQUIRE(names.size() >= 9);
  return names;
}

}  // namespace

TEST_CASE("tierd --version and tierd version print the version", "[cli]") {
  TempDir dir;
  CliRun flag = run_cli({"--version"}, dir, "flag");
  CliRun command = run_cli({"version"}, dir, "command");
  CHECK(flag.status == 0);
  CHECK(command.status == 0);
  CHECK(std::regex_match(flag.out, std::regex(R"(tierd \d+\.\d+\.\d+\n)")));
  CHECK(command.out == flag.out);
}

TEST_CASE("an unknown command is named, with the list of commands, and exits 2", "[cli]") {
  TempDir dir;
  CliRun run = run_cli({"frobnicate", "--config", "x.json"}, dir, "unknown");
  CHECK(run.status == 2);
  CHECK(run.out.empty());
  CHECK(contains(run.err, "unknown command 'frobnicate'"));
  CHECK(contains(run.err, "check-config"));
}

TEST_CASE("usage errors exit 2 and --help documents the exit codes", "[cli]") {
  TempDir dir;
  CHECK(run_cli({}, dir, "none").status == 2);
  CliRun missing = run_cli({"explain"}, dir, "missing");
  CHECK(missing.status == 2);
  CHECK(contains(missing.err, "TICKET_ID"));
  CliRun bad_option = run_cli({"report", "--bogus"}, dir, "bad-option");
  CHECK(bad_option.status == 2);
  CHECK(contains(bad_option.err, "--bogus"));
  CliRun bad_value = run_cli({"explain", "not-a-number"}, dir, "bad-value");
  CHECK(bad_value.status == 2);

  CliRun help = run_cli({"--help"}, dir, "help");
  CHECK(help.status == 0);
  CHECK(contains(help.out, "2 for a usage error"));
  CliRun sub_help = run_cli({"explain", "--help"}, dir, "sub-help");
  CHECK(sub_help.status == 0);
  CHECK(contains(sub_help.out, "TIERD_CONFIG"));
}

TEST_CASE("check-config prints OK on stdout and its warnings on stderr", "[cli]") {
  TempDir dir;
  const std::string config = write_config(dir, dir.file("tierd.db"));
  CliRun run = run_cli({"check-config", "--config", config}, dir, "check");  // no secrets set
  CHECK(run.status == 0);
  CHECK(run.out == "config OK: " + config + "\n");
  CHECK(contains(run.err,
                 "warning: zendesk.webhook_secret_env: environment variable CLI_TEST_SECRET"));
}

TEST_CASE("the config path defaults to $TIERD_CONFIG, then to /etc/tierd/tierd.jsonc", "[cli]") {
  TempDir dir;
  const std::string config = write_config(dir, dir.file("tierd.db"));
  CliRun from_env = run_cli({"check-config"}, dir, "env", {{"TIERD_CONFIG", config}});
  CHECK(from_env.status == 0);
  CHECK(from_env.out == "config OK: " + config + "\n");
  CliRun flag_wins = run_cli({"check-config", "--config", dir.file("absent.json")}, dir, "flag",
                             {{"TIERD_CONFIG", config}});
  CHECK(flag_wins.status == 2);
  CHECK(contains(flag_wins.err, dir.file("absent.json")));
  // Without either: the packaged service's path, whether or not this machine has it.
  CliRun fallback = run_cli({"check-config"}, dir, "default");
  CHECK(contains(fallback.out + fallback.err, "/etc/tierd/tierd.jsonc"));
}

TEST_CASE("read-only commands refuse a store that does not exist and create nothing", "[cli]") {
  TempDir dir;
  const std::string db = dir.file("var/absent/tierd.db");
  const std::string config = write_config(dir, db);
  const std::vector<std::vector<std::string>> commands = {
      {"report", "--config", config},
      {"explain", "--config", config, "42"},
      {"export-events", "--config", config},
      {"backup", "--config", config, "--out", dir.file("copy.db")}};
  for (const auto& args : commands) {
    INFO(args[0]);
    CliRun run = run_cli(args, dir, args[0]);
    CHECK(run.status == 1);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "no database at " + db));
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("var")));
  CHECK_FALSE(std::filesystem::exists(dir.file("copy.db")));
}

TEST_CASE("explain reads an existing store without changing it", "[cli]") {
  TempDir dir;
  const std::string db = dir.file("tierd.db");
  must(must(open_sqlite_store({.path = db}))
           ->append_audit({{0, 7, must(parse_instant("2026-11-25T10:00:00Z")), "tier_entered", "",
                            R"({"tier":"tier1","how":"created"})"}}));
  const std::string before = read_file(db);
  CliRun run = run_cli({"explain", "--config", write_config(dir, db), "7"}, dir, "explain");
  CHECK(run.status == 0);
  CHECK(contains(run.out, "entered tier1 (created)"));
  CHECK(read_file(db) == before);
}

TEST_CASE("the bash completion offers every command and each command's options", "[cli]") {
  TempDir dir;
  const std::string completion =
      read_file(std::string(TIERD_SOURCE_DIR) + "/packaging/bash-completion/tierd");
  std::smatch listed;
  REQUIRE(std::regex_search(completion, listed, std::regex(R"re(local commands="([^"]*)")re")));
  const std::vector<std::string> names = commands(dir);
  std::string expected;
  for (const auto& command : names) expected += (expected.empty() ? "" : " ") + command;
  CHECK(listed[1] == expected);

  const std::regex option(R"(\n  +(?:-h,)?(--[a-z][a-z-]*))");
  for (const auto& command : names) {
    INFO(command);
    std::smatch line;
    REQUIRE(std::regex_search(completion, line,
                              std::regex("\\n +" + command + R"re(\) opts="([^"]*)")re")));
    std::string offered;
    CliRun help = run_cli({command, "--help"}, dir, "help-" + command);
    REQUIRE(help.status == 0);
    for (std::sregex_iterator it(help.out.begin(), help.out.end(), option), end; it != end; ++it) {
      if ((*it)[1] == "--help") continue;
      offered += (offered.empty() ? "" : " ") + (*it)[1].str();
    }
    CHECK(line[1] == offered);
  }
}
