// WebhookVendor: what one helpdesk's webhook route does its own way — where
// it is served, how a delivery proves it comes from the helpdesk, and how
// its body maps to a TicketEvent. Everything else a route guarantees (size
// limit, media type, durable store before the answer, dedupe, the answers,
// logs and metrics) is the WebhookHandler's, the same for every vendor.
//
//   zendesk    POST /webhooks/zendesk: HMAC signature and timestamp
//              (zendesk/webhook_signature.h), event-subscribed and trigger
//              bodies (zendesk/webhook_payload.h)
//   freshdesk  POST /webhooks/freshdesk: a shared secret in a header or
//              Basic credentials (freshdesk/webhook_auth.h), the rule body
//              tierd defines (freshdesk/webhook_payload.h)
//
// Implementations hold only constants set at construction: any thread may
// call them at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/status.h"
#include "core/time.h"
#include "helpdesk/webhook_delivery.h"
#include "http/webhook_request.h"

namespace tierd {

struct WebhookAuthCheck {
  bool authentic = false;
  // When not authentic: the tierd_webhook_deliveries_total outcome
  // (metrics.h delivery_outcome::kBadSignature or kStale) and what failed,
  // for the log only.
  std::string_view outcome;
  std::string_view detail;
};

class WebhookVendor {
 public:
  virtual ~WebhookVendor() = default;

  virtual HelpdeskVendor vendor() const = 0;
  // The route's path, "/webhooks/<vendor>".
  virtual std::string_view path() const = 0;
  // The delivery id the vendor sends in a header, for the log lines of
  // deliveries refused before their body is read; "" when it sends none.
  virtual std::string_view delivery_id(const HeaderMap& headers) const = 0;
  // The 401 answer's error text ("invalid signature", "invalid credentials").
  virtual std::string_view unauthorized_error() const = 0;
  // Whether `request` comes from the helpdesk, checked against every secret
  // in `secrets` before its body is parsed; `now` is the receiver's clock.
  virtual WebhookAuthCheck authenticate(const std::vector<std::string>& secrets,
                                        const WebhookRequest& request, Instant now) const = 0;
  // The body mapped by the vendor's adapter (helpdesk/webhook_delivery.h).
  virtual Result<ParsedDelivery> parse(const WebhookRequest& request, Instant now) const = 0;
};

// The route of `vendor`. `timestamp_tolerance` bounds a signed delivery's
// age, for vendors that sign (Zendesk).
std::unique_ptr<const WebhookVendor> make_webhook_vendor(HelpdeskVendor vendor,
                                                         Duration timestamp_tolerance);

}  // namespace tierd
