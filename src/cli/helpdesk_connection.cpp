#include "cli/helpdesk_connection.h"

#include <limits>

#include "freshdesk/api_client.h"
#include "freshdesk/plan_limits.h"
#include "zendesk/api_client.h"

namespace tierd {

namespace {

// Zendesk's limit for the incremental export endpoints.
constexpr double kZendeskExportsPerMinute = 10;

}  // namespace

HelpdeskConnection helpdesk_connection(const Config& config, const Secrets& secrets) {
  HelpdeskConnection c;
  if (config.helpdesk == HelpdeskVendor::kFreshdesk) {
    c.name = "freshdesk";
    c.base_url = config.freshdesk.base_url;
    c.can_write = !secrets.freshdesk_api_key.empty();
    const FreshdeskConfig& f = config.freshdesk;
    c.rate_share = f.rate_share;
    const FreshdeskPlanLimits assumed = freshdesk_plan_limits(f.requests_per_minute);
    c.updates_per_minute = f.updates_per_minute.value_or(assumed.updates_per_minute) * f.rate_share;
    // Listing runs on a schedule of its own and rarely needs a page a minute;
    // the assumed plan's limit keeps it safe on the smallest plan.
    c.lists_per_minute = assumed.lists_per_minute * f.rate_share;
    c.bulk_threshold = std::numeric_limits<size_t>::max();
    c.pacer = std::make_unique<AccountPacer>(f.rate_share, f.requests_per_minute);
    if (!f.updates_per_minute) {
      AccountPacer* pacer = c.pacer.get();
      const double fallback = c.updates_per_minute;
      const double share = f.rate_share;
      c.updates_budget = [pacer, fallback, share] {
        const std::optional<int> total = pacer->reported_limit();
        if (!total) return fallback;
        return freshdesk_plan_limits(*total).updates_per_minute * share;
      };
    }
    FreshdeskApiOptions options;
    options.base_url = config.freshdesk.base_url;
    options.api_key = secrets.freshdesk_api_key;
    options.pacer = c.pacer.get();
    c.timeout = options.timeout;
    c.make_client = [options] { return std::make_unique<FreshdeskApiClient>(options); };
    return c;
  }
  const ZendeskConfig& z = config.zendesk;
  c.name = "zendesk";
  c.base_url = z.base_url;
  c.can_write = !secrets.zendesk_oauth_token.empty() ||
                (!z.email.empty() && !secrets.zendesk_api_token.empty());
  c.rate_share = z.rate_share;
  c.updates_per_minute = z.updates_per_minute * z.rate_share;
  c.lists_per_minute = kZendeskExportsPerMinute * z.rate_share;
  c.timeout = z.timeout;
  c.api_user_id = z.api_user_id;
  // One request budget for the account, shared by every client: it starts
  // from the configured limit and follows the one Zendesk reports.
  c.pacer = std::make_unique<AccountPacer>(z.rate_share, z.requests_per_minute);
  ZendeskApiOptions options;
  options.pacer = c.pacer.get();
  options.base_url = z.base_url;
  options.email = z.email;
  options.api_token = secrets.zendesk_api_token;
  options.oauth_token = secrets.zendesk_oauth_token;
  options.timeout = z.timeout;
  options.ca_file = z.ca_file;
  c.make_client = [options] { return std::make_unique<ZendeskApiClient>(options); };
  return c;
}

}  // namespace tierd
