// The facts of GET /api/v1/status and the status page: mode and version,
// health (the store, the daemon's loops, the helpdesk, dead letters), the
// review queue, queues and clocks by tier, the oldest pending write, the
// tier funnel with escalations by cause and reopen rates, routes with their
// misroutes, and the agents of the window. Tickets carry a link to the
// helpdesk's agent UI; users carry their id, and their name beside it when
// the UserDirectory knows it.
//
// Computed from the store on each call (a scan of the ticket mirror and of
// the audit of the funnel window): right for a page an admin opens now and
// then, not for a scrape target (/metrics is that).
//
// Threads: any; reads the store only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/policy.h"
#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"
#include "engine/helpdesk_answer.h"
#include "runtime/worker_thread.h"
#include "store/store.h"

namespace tierd {

struct AdminStatusOptions {
  std::string version;       // the build's version string
  std::string helpdesk_url;  // "https://acme.zendesk.com": ticket links; empty: none
  Duration funnel_window = std::chrono::hours(24 * 7);
  size_t expiring_limit = 20;  // clocks listed
  size_t review_limit = 20;    // review tickets listed
  // A loop working this long without a wait is shown as stuck.
  Duration stuck_after = std::chrono::minutes(2);
};

struct LoopState {
  std::string name;  // "engine", "writer", ...
  WorkerLiveness liveness;
};

// What the running daemon knows beyond its store; each part may be empty.
struct DaemonView {
  std::vector<LoopState> loops;
  std::vector<HelpdeskAnswer> helpdesk_answers;  // the latest of each loop that asks
  bool helpdesk_auth_failed = false;             // writing stopped on a 401
  std::map<UserId, std::string> names;           // users' names by id
};

struct AdminStatus {
  nlohmann::json doc;         // what /api/v1/status answers
  std::vector<UserId> users;  // the users it shows, whose names are worth reading
};

// Returns the store's error when the ticket mirror or the audit cannot be read.
Result<AdminStatus> admin_status(Store& store, const Policy& policy, Instant now,
                                 const AdminStatusOptions& options, const DaemonView& daemon);

// The helpdesk agent UI's page of ticket `id` under `helpdesk_url`
// ("https://acme.zendesk.com/agent/tickets/7"); empty when the URL is not
// http(s).
std::string ticket_link(const std::string& helpdesk_url, TicketId id);

}  // namespace tierd
