// `tierd setup` for a Freshdesk config: the I/O around the pure plan of
// freshdesk/setup_plan.h.
//
// Reads, with the config's API key: GET /agents/me (the key's owner, whom
// the update rule leaves out), GET /groups/{id} and /agents/{id} for every
// id the config names, GET /agents (every agent, paged) and GET
// /automations/{1,4}/rules (403 or 404: the key's owner may not manage
// automations; setup then prints the steps to create the rules by hand).
// Prints the plan; with --apply and no problem, creates (POST) or replaces
// (PUT) tierd's rules. The webhook secret is the config's own
// (freshdesk.webhook_secret): the rules send it, setup never prints it.
// Freshdesk offers no test delivery, so setup ends by telling the admin how
// to see one arrive (`tierd explain` on a ticket).
//
// Exit codes as run_setup's (cli/commands.h). Runs on the caller's thread.
#pragma once

#include <ostream>

#include "cli/commands.h"
#include "config/config.h"

namespace tierd {

int run_freshdesk_setup(const SetupOptions& options, const Config& config, const EnvLookup& getenv,
                        std::ostream& out, std::ostream& err);

}  // namespace tierd
