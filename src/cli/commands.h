// The subcommands of `tierd`, one function each (src/cli/main.cpp holds the
// table that maps names and options to them). Each returns the process exit
// code, writes its output to stdout (or the stream it is given) and its
// problems to stderr, and runs on the caller's thread.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

struct Config;

// run_serve(): `tierd serve --config FILE`, the daemon itself.
//
// Reads and checks the config, opens the store, builds the policy, starts the
// engine, the outbox sender, the inbox writer and the HTTP listener, then
// waits for signals: SIGHUP reloads the config (an invalid one is refused and
// the old one kept), SIGTERM/SIGINT stop accepting and shut down in order —
// listener, inbox writer (drains commits), engine (finishes its batch), sender
// (finishes the write in flight) — so nothing is left half done.
//
// Signals are blocked in every thread and taken synchronously by the calling
// thread with sigwait(), so no signal handler does any work.

// Returns the process exit code: 0 after a clean shutdown, 2 for a bad config
// or missing secret, 1 when the store or the listener cannot be opened.
int run_serve(const std::string& config_path);

// check-config: the logic behind `tierd check-config --config FILE`.
//
// Loads and validates a config file without starting anything, and reports
// the outcome in a form meant for people and CI scripts. Stateless; any
// thread may call it.

// Exit codes of run_check_config.
inline constexpr int kCheckConfigOk = 0;
inline constexpr int kCheckConfigInvalid = 1;
inline constexpr int kCheckConfigUnreadable = 2;

// Validates the config at `path`. When it is valid, prints "config OK: <path>"
// to `out` and one "warning: ..." line per warning to `err` (warnings include
// the secrets `serve` would fail to find), and returns 0. When it is invalid,
// prints one line per problem (JSON path first) to `err` and returns 1. When
// the file cannot be read, prints why to `err` and returns 2.
int run_check_config(const std::string& path, std::ostream& out, std::ostream& err);

// The check-config warnings for holiday lists that end within 90 days of
// `now` (or already have): past their end, holidays count as working days.
std::vector<std::string> holiday_warnings(const Config& config, Instant now);

// setup: the logic behind `tierd setup --config FILE [--apply]`.
//
// Loads the config and the Zendesk credentials (the webhook secret is not
// needed: setup is what fetches it), reads the account through
// ZendeskAccountClient (the API user, the configured groups and users, the
// forward field, the webhooks), builds a SetupPlan (zendesk/setup_plan.h) and
// prints it. Without --apply nothing is changed. With --apply, when no check
// failed, the plan's actions run in order, then the signing secret of tierd's
// webhook is read and delivered: written to zendesk.webhook_secret_file
// (mode 0600, via a temp file and rename, only when it differs), or, for an
// environment variable, written into --env-file when one is given, else the
// admin is told which one to set (the value itself is printed only with
// --show-secret). A second run finds nothing to change. A Freshdesk config
// goes to run_freshdesk_setup (cli/setup_freshdesk.h): the automation rules
// whose webhook reaches tierd, planned by freshdesk/setup_plan.h.
//
// Never logs a secret. Runs on the caller's thread; no shared state.

// Exit codes of run_setup.
inline constexpr int kSetupOk = 0;          // nothing left to do, or applied fine
inline constexpr int kSetupProblems = 1;    // checks failed; nothing was changed
inline constexpr int kSetupUsageError = 2;  // the config or its credentials are unusable
inline constexpr int kSetupApiFailed = 3;   // a helpdesk API call failed

struct SetupOptions {
  std::string config_path;
  bool apply = false;
  bool json = false;         // one JSON object on `out` instead of text
  bool show_secret = false;  // print the signing secret when it goes to an env variable
  // A systemd EnvironmentFile ("VAR=value" lines, # comments). When set, the
  // config's *_env secrets are looked up there first (then in the process
  // environment), and a signing secret that goes to an environment variable
  // is written there (mode 0600, the other lines kept).
  std::string env_file;
};

// Runs setup; the report goes to `out`, errors to `err`. Returns one of the
// exit codes above.
int run_setup(const SetupOptions& options, std::ostream& out, std::ostream& err);

// run_backup(): `tierd backup --config FILE --out FILE` — a consistent copy
// of the SQLite store, taken while tierd runs (SQLite's online backup: the
// copy is one committed state, never a half-written one). PostgreSQL stores
// are backed up with PostgreSQL's own tools (pg_dump), so the command says
// so instead of copying.

// Returns 0 after writing the copy to `out_path`; 2 for a bad config or a
// PostgreSQL store; 1 when the copy fails (the message names the file).
int run_backup(const std::string& config_path, const std::string& out_path, std::ostream& out,
               std::ostream& err);

// `tierd cluster status --config FILE`: the replicas sharing the config's
// PostgreSQL store (last heartbeat, live or not), each shard's owner, token
// and expiry, and a summary (cli/cluster_status.h). Returns 0; 2 for a bad
// config, a SQLite store or no "cluster" section; 1 when the lease store
// cannot be read.
int run_cluster_status(const std::string& config_path, std::ostream& out, std::ostream& err);

// `tierd explain --config FILE TICKET_ID [--json]`: the ticket's timeline
// from the audit log: events received, tiers entered and left, the clock
// running and paused, each action and why, and the writes with the vendor's
// answers. Returns 0, 2 for a bad config, 1 when the store cannot be read, 3
// when tierd has no record of the ticket.
int run_explain(const std::string& config_path, TicketId ticket, bool json);

// `tierd report --config FILE [--since 7d] [--until WHEN] [--json | --csv
// [--table tiers]]`: --since and --until are durations back from now, dates
// or local times in the account's zone (config report.timezone), or
// instants. Returns 0, 2 for a bad config, window or table, 1 when the store
// cannot be read.
struct ReportArgs {
  std::string config;
  std::string since = "7d";
  std::string until;  // "": now
  bool json = false;
  bool csv = false;
  std::string table = "tiers";
};
int run_report(const ReportArgs& args);

// `tierd export-events --config FILE [--since 7d | --from ISO --to ISO]
// [--out FILE]`. Returns 0, 2 for bad arguments or config, 1 when the store
// or the output file cannot be used.
int run_export_events(const std::string& config_path, const std::string& since,
                      const std::string& from, const std::string& to, const std::string& out_path);

struct SimulateArgs {
  std::string config;
  std::string events;  // path of the JSONL file
  bool json = false;
  std::string until;        // ISO instant; "" = default
  std::string diff_config;  // "" = no diff
  bool strict = false;      // a skipped line fails the run
  std::string tz;           // IANA zone for the times shown; "" = the first tier's calendar zone
  int64_t ticket = 0;       // > 0: print that ticket's whole timeline instead
};

// `tierd simulate --config FILE --events EVENTS.jsonl [--json] [--until ISO]
// [--diff OTHER_CONFIG] [--strict] [--tz ZONE] [--ticket ID]`. Writes to `out`, problems (every
// skipped line with its number and reason) to `err`. Returns 0; 2 for bad
// arguments or config; 1 when the events file cannot be read, holds no
// usable event, or (--strict) has a line that was skipped; 3 when --ticket
// names a ticket the events do not mention.
int run_simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err);

}  // namespace tierd
