// AdminApi: tierd's read-only admin surface, behind one bearer token.
//
//   GET /api/v1/tickets/{id}  the ticket's timeline (the JSON of `tierd explain --json`)
//   GET /api/v1/status        mode, version, health, the review queue, queues
//                             and clocks by tier, the funnel (http/admin_status.h)
//   GET /                     the status page: the same, as HTML for a browser
//                             (http/status_page.h)
//
// Every route needs the admin token (admin.token_env): `Authorization: Bearer
// TOKEN`, or HTTP Basic with the token as the password so that a browser can
// open the page (it prompts once). Without a configured token the routes
// answer 403 and say how to enable them. Tokens are compared in constant time
// and never logged. The daemon registers them on the admin listener when
// admin_listen is set, so they are never on the public webhook port then.
//
// Threads: register_admin_routes() from the owner before the server starts;
// the handlers run on the server's worker threads, read the store and call
// the daemon's view and seen-users callbacks.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/policy.h"
#include "http/admin_status.h"
#include "runtime/clock.h"
#include "store/store.h"

namespace tierd {

struct AdminApiOptions {
  std::string token;  // empty: the admin routes are disabled (403)
  AdminStatusOptions status;
};

// The current policy (it changes on reload).
using PolicySource = std::function<std::shared_ptr<const Policy>()>;
// What the running daemon knows beyond the store (its loops, the helpdesk, names).
using DaemonViewSource = std::function<DaemonView()>;
// Told the users a status answer showed, so that their names get read.
using SeenUsers = std::function<void(const std::vector<UserId>&)>;

void register_admin_routes(httplib::Server& server, Store& store, const PolicySource& policy,
                           const Clock& clock, const AdminApiOptions& options,
                           const DaemonViewSource& daemon = nullptr,
                           const SeenUsers& seen = nullptr);

}  // namespace tierd
