// What `tierd serve` needs of the configured helpdesk, chosen by the
// config's vendor: the account's one request budget, API clients that share
// it (each with its own connection), and the figures the writer paces by.
//
// Zendesk's come from the "zendesk" section. Freshdesk's section may give
// the account's limit (default: the Growth plan's 200 requests a minute);
// the budget then follows the X-RateLimit-Total each answer reports, and so
// does the Update Ticket limit, which Freshdesk fixes per plan
// (freshdesk/plan_limits.h) unless the section sets updates_per_minute.
// Freshdesk's bulk_update can carry neither a note nor a per-ticket property
// set (freshdesk/api_client.h), so the writer sends every Freshdesk ticket
// alone.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "core/ticket.h"
#include "core/time.h"
#include "engine/write_pacing.h"
#include "helpdesk/helpdesk_api.h"

namespace tierd {

struct HelpdeskConnection {
  std::string name;  // "zendesk", "freshdesk": the config section, for logs
  std::string base_url;
  bool can_write = false;  // credentials to write with were configured
  double rate_share = 0.8;
  double updates_per_minute = 0;  // tierd's share already applied
  // The Update Ticket budget now, share applied, when it follows what the
  // helpdesk reports; unset: updates_per_minute throughout.
  std::function<double()> updates_budget;
  double lists_per_minute = 0;  // the reconciler's listing/export budget, share applied
  Duration timeout{};
  std::optional<size_t> bulk_threshold;  // the writer's own default when unset
  std::optional<UserId> api_user_id;     // from the config, when it says
  std::unique_ptr<AccountPacer> pacer;
  // A new client on its own connection, paced by `pacer`.
  std::function<std::unique_ptr<HelpdeskApi>()> make_client;
};

HelpdeskConnection helpdesk_connection(const Config& config, const Secrets& secrets);

}  // namespace tierd
