// AdminApi: tierd's read-only admin surface, behind one bearer token.
//
//   GET /api/v1/tickets/{id}  the ticket's timeline (the JSON of `tierd explain --json`)
//   GET /api/v1/status        queues by tier, clocks about to run out, the tier funnel
//   GET /                     the status page: the same, as HTML for a browser
//
// Every route needs the admin token (admin.token_env): `Authorization: Bearer
// TOKEN`, or HTTP Basic with the token as the password so that a browser can
// open the page (it prompts once). Without a configured token the routes
// answer 403 and say how to enable them. Tokens are compared in constant time
// and never logged.
//
// The status is computed from the store on each request (a scan of the
// ticket mirror and the audit of the last 7 days), which suits a page an
// admin opens now and then, not a scrape target: /metrics is that.
//
// Threads: register_admin_routes() from the owner before the server starts;
// the handlers run on the server's worker threads and only read the store.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/policy.h"
#include "runtime/clock.h"
#include "store/store.h"

namespace tierd {

struct AdminApiOptions {
  std::string token;  // empty: the admin routes are disabled (403)
  Duration funnel_window = std::chrono::hours(24 * 7);
  size_t expiring_limit = 20;  // clocks listed on the page
};

// The current policy (it changes on reload).
using PolicySource = std::function<std::shared_ptr<const Policy>()>;

// What GET /api/v1/status answers. Returns the store's error when it cannot
// be read.
Result<nlohmann::json> admin_status(Store& store, const Policy& policy, Instant now,
                                    const AdminApiOptions& options);

// The status page for `status` (an admin_status() answer). Self-contained
// HTML: no scripts, no external resources.
std::string render_status_page(const nlohmann::json& status);

void register_admin_routes(httplib::Server& server, Store& store, const PolicySource& policy,
                           const Clock& clock, const AdminApiOptions& options);

}  // namespace tierd
