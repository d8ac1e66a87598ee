// What `tierd serve` needs of the configured helpdesk, chosen by the
// config's vendor: the account's one request budget, API clients that share
// it (each with its own connection), and the figures the writer paces by.
//
// Zendesk's come from the "zendesk" section. Freshdesk's section names only
// the account and its key, so its figures are Freshdesk's documented limits
// for the smallest plan with API access (Growth: 200 requests and 80 ticket
// updates a minute); the budget then follows the X-RateLimit-Total each
// answer reports. Freshdesk's bulk_update can carry neither a note nor a
// per-ticket property set (freshdesk/api_client.h), so the writer sends
// every Freshdesk ticket alone.
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
  Duration timeout{};
  std::optional<size_t> bulk_threshold;  // the writer's own default when unset
  std::optional<UserId> api_user_id;     // from the config, when it says
  std::unique_ptr<AccountPacer> pacer;
  // A new client on its own connection, paced by `pacer`.
  std::function<std::unique_ptr<HelpdeskApi>()> make_client;
};

HelpdeskConnection helpdesk_connection(const Config& config, const Secrets& secrets);

}  // namespace tierd
