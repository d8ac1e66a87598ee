// setup: the logic behind `tierd setup --config FILE [--apply]`.
//
// Loads the config and the Zendesk credentials (the webhook secret is not
// needed: setup is what fetches it), reads the account through
// ZendeskAccountClient (the API user, the configured groups and users, the
// forward field, the webhooks), builds a SetupPlan (daemon/setup_plan.h) and
// prints it. Without --apply nothing is changed. With --apply, when no check
// failed, the plan's actions run in order, then the signing secret of tierd's
// webhook is read and delivered: written to zendesk.webhook_secret_file
// (mode 0600, via a temp file and rename, only when it differs), or, for an
// environment variable, written into --env-file when one is given, else the
// admin is told which one to set (the value itself is printed only with
// --show-secret). A second run finds nothing to change.
//
// Never logs a secret. Runs on the caller's thread; no shared state.
#pragma once

#include <ostream>
#include <string>

namespace tierd {

// Exit codes of run_setup.
inline constexpr int kSetupOk = 0;          // nothing left to do, or applied fine
inline constexpr int kSetupProblems = 1;    // checks failed; nothing was changed
inline constexpr int kSetupUsageError = 2;  // the config or its credentials are unusable
inline constexpr int kSetupApiFailed = 3;   // a Zendesk call failed

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

}  // namespace tierd
