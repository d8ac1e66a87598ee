// tierd: tiered-support escalation for a hosted helpdesk.
//
// The subcommands, in one table: each has a name, a one-line description and
// a handler (src/cli/commands.h). Everything else lives in the libraries.
//
// Conventions an admin and a script can rely on: `tierd --version` and
// `tierd version` print the version; a usage error (an unknown command or
// option, a missing argument) says what was wrong on stderr and exits 2,
// like a bad config does; --config defaults to $TIERD_CONFIG, then to
// /etc/tierd/tierd.jsonc, the packaged service's config.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/logging.h"

namespace {

constexpr int kUsageError = 2;
constexpr const char* kDefaultConfig = "/etc/tierd/tierd.jsonc";

constexpr const char* kFooter =
    "Exit status: 0 on success; 1 when the command failed (a store, a file or the network); 2 "
    "for a usage error or an unusable config; a few commands add their own (see each "
    "command's --help).\n"
    "Environment: TIERD_CONFIG names the config file when --config is not given (default "
    "/etc/tierd/tierd.jsonc). The secrets are read from the variables the config's *_env keys "
    "name.";

struct Options {
  std::string config;
  int64_t ticket = 0;
  bool json = false;
  std::string since;  // a duration back from now: "7d"
  std::string from;   // ISO instants
  std::string to;
  std::string out;
  std::string events;
  std::string until;
  std::string diff;
  bool strict = false;
  std::string tz;
  bool apply = false;
  bool csv = false;
  std::string table;
  bool show_secret = false;
  std::string env_file;
};

struct Subcommand {
  const char* name;
  const char* description;
  std::function<void(CLI::App&, Options&)> add_options;
  std::function<int(const Options&)> run;
};

void config_option(CLI::App& app, Options& o) {
  app.add_option("--config", o.config,
                 "the config file (JSON, // comments allowed); default: $TIERD_CONFIG, else "
                 "/etc/tierd/tierd.jsonc");
}

// Where --config points when it is not given. (CLI11's own envname() would
// let the variable override an explicit --config.)
std::string default_config() {
  const char* from_env = std::getenv("TIERD_CONFIG");
  return from_env != nullptr && *from_env != '\0' ? from_env : kDefaultConfig;
}

std::string version_line() {
  return std::string("tierd ") + TIERD_VERSION;
}

std::vector<Subcommand> subcommands() {
  return {
      {"serve", "run the daemon", config_option,
       [](const Options& o) { return tierd::run_serve(o.config); }},
      {"check-config",
       "validate the config and exit (0: valid, 1: invalid, 2: unreadable); warnings go to "
       "stderr",
       config_option,
       [](const Options& o) { return tierd::run_check_config(o.config, std::cout, std::cerr); }},
      {"explain", "print a ticket's timeline: events, clock, actions and why (3: no such ticket)",
       [](CLI::App& app, Options& o) {
         config_option(app, o);
         app.add_option("TICKET_ID", o.ticket, "the ticket id")->required();
         app.add_flag("--json", o.json, "print JSON instead of text");
       },
       [](const Options& o) { return tierd::run_explain(o.config, o.ticket, o.json); }},
      {"report", "tier and agent analytics from the audit log",
       [](CLI::App& app, Options& o) {
         config_option(app, o);
         app.add_option("--since", o.since,
                        "start: how far back (7d, 24h), a date or local time in the account's "
                        "time zone (2025-03-10, 2025-03-10T09:00), or an instant")
             ->default_val("7d");
         app.add_option("--until", o.until, "end, in the same forms as --since (default now)");
         auto* json = app.add_flag("--json", o.json, "print JSON instead of tables");
         app.add_flag("--csv", o.csv, "print one table as CSV")->excludes(json);
         app.add_option("--table", o.table,
                        "the --csv table: tiers, routes, agents, reviewers, summary")
             ->default_val("tiers");
       },
       [](const Options& o) {
         return tierd::run_report({o.config, o.since, o.until, o.json, o.csv, o.table});
       }},
      {"simulate", "replay recorded webhook events through the policy on a virtual clock",
       [](CLI::App& app, Options& o) {
         config_option(app, o);
         app.add_option("--events", o.events, "JSONL file: one webhook body per line")->required();
         app.add_flag("--json", o.json, "one JSON object per decision, then a summary object");
         app.add_option("--until", o.until, "stop the virtual clock here (ISO time)");
         app.add_option("--diff", o.diff, "a second config: print what it would change");
         app.add_flag("--strict", o.strict, "fail (exit 1) when any line of --events is skipped");
         app.add_option("--tz", o.tz,
                        "show times in this IANA zone (default: the first tier's calendar zone)");
         app.add_option("--ticket", o.ticket, "print one ticket's whole timeline instead");
       },
       [](const Options& o) {
         tierd::SimulateArgs args;
         args.config = o.config;
         args.events = o.events;
         args.json = o.json;
         args.until = o.until;
         args.diff_config = o.diff;
         args.strict = o.strict;
         args.tz = o.tz;
         args.ticket = o.ticket;
         return tierd::run_simulate(args, std::cout, std::cerr);
       }},
      {"export-events",
       "write the received webhooks of a time range as a JSONL file for simulate (bodies are "
       "kept for inbox.keep_raw, records for inbox.retention)",
       [](CLI::App& app, Options& o) {
         config_option(app, o);
         auto* since = app.add_option("--since", o.since, "how far back, e.g. 7d (default 7d)");
         auto* from =
             app.add_option("--from", o.from, "start of the range (ISO time)")->excludes(since);
         app.add_option("--to", o.to, "end of the range (ISO time; default now)")->needs(from);
         app.add_option("--out", o.out, "output file, created 0600 (default: standard output)");
       },
       [](const Options& o) {
         return tierd::run_export_events(o.config, o.since, o.from, o.to, o.out);
       }},
      {"cluster", "replicas sharing a PostgreSQL store: `tierd cluster status`",
       [](CLI::App& app, Options& o) {
         CLI::App* status = app.add_subcommand(
             "status", "print the replicas, each shard's owner, token and expiry, and a summary");
         config_option(*status, o);
         app.require_subcommand(1);
       },
       // `status` is its only subcommand, and required.
       [](const Options& o) { return tierd::run_cluster_status(o.config, std::cout, std::cerr); }},
      {"backup", "copy the SQLite store consistently while tierd runs",
       [](CLI::App& app, Options& o) {
         config_option(app, o);
         app.add_option("--out", o.out, "the copy to write")->required();
       },
       [](const Options& o) { return tierd::run_backup(o.config, o.out, std::cout, std::cerr); }},
      {"setup",
       "check the helpdesk account and create or update tierd's webhook and forward field "
       "(dry run unless --apply; 1: checks failed, 3: a helpdesk call failed)",
       [](CLI::App& app, Options& o) {
         config_option(app, o);
         app.add_flag("--apply", o.apply, "carry out the planned actions");
         app.add_flag("--json", o.json, "print one JSON object instead of text");
         app.add_flag("--show-secret", o.show_secret,
                      "print the webhook signing secret when it goes to an environment variable");
         app.add_option("--env-file", o.env_file,
                        "a systemd EnvironmentFile (VAR=value lines): read the API token from it "
                        "and write the webhook secret's variable into it");
       },
       [](const Options& o) {
         return tierd::run_setup({o.config, o.apply, o.json, o.show_secret, o.env_file}, std::cout,
                                 std::cerr);
       }},
      {"version", "print the version", [](CLI::App&, Options&) {},
       [](const Options&) {
         std::cout << version_line() << "\n";
         return 0;
       }},
  };
}

// CLI11 reports a word it does not know as a missing subcommand; name it
// instead, before parsing.
bool unknown_command(int argc, char** argv, const std::vector<Subcommand>& commands) {
  if (argc < 2 || argv[1][0] == '-') return false;
  for (const auto& c : commands) {
    if (std::strcmp(argv[1], c.name) == 0) return false;
  }
  std::cerr << "tierd: unknown command '" << argv[1] << "'; the commands are";
  for (const auto& c : commands) std::cerr << ' ' << c.name;
  std::cerr << "\nRun 'tierd --help' for more information.\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr from the start; stdout carries command output.
  tierd::setup_logging(tierd::LogConfig{});
  Options options;
  options.config = default_config();
  const std::vector<Subcommand> commands = subcommands();
  if (unknown_command(argc, argv, commands)) return kUsageError;

  CLI::App app{"tierd: tiered support for a hosted helpdesk", "tierd"};
  app.set_version_flag("--version", version_line());
  app.footer(kFooter);
  app.require_subcommand(1);
  std::vector<CLI::App*> parsed;
  for (const auto& c : commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    c.add_options(*sub, options);
    parsed.push_back(sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, as "errors" with exit code 0.
    const int printed = app.exit(e);
    return printed == 0 ? 0 : kUsageError;
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    if (parsed[i]->parsed()) return commands[i].run(options);
  }
  return kUsageError;
}
