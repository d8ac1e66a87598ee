#include "http/webhook_vendor.h"

#include "freshdesk/webhook_auth.h"
#include "freshdesk/webhook_payload.h"
#include "metrics/metrics.h"
#include "zendesk/webhook_payload.h"
#include "zendesk/webhook_signature.h"

namespace tierd {
namespace {

constexpr std::string_view kZendeskInvocationHeader = "x-zendesk-webhook-invocation-id";
constexpr std::string_view kZendeskWebhookIdHeader = "x-zendesk-webhook-id";

class ZendeskWebhookVendor final : public WebhookVendor {
 public:
  explicit ZendeskWebhookVendor(Duration tolerance) : tolerance_(tolerance) {}

  HelpdeskVendor vendor() const override { return HelpdeskVendor::kZendesk; }
  std::string_view path() const override { return zendesk::kWebhookPath; }
  std::string_view delivery_id(const HeaderMap& headers) const override {
    return header_value(headers, kZendeskInvocationHeader);
  }
  std::string_view unauthorized_error() const override { return "invalid signature"; }

  WebhookAuthCheck authenticate(const std::vector<std::string>& secrets,
                                const WebhookRequest& request, Instant now) const override {
    const auto check = zendesk::verify_signature(
        secrets, header_value(request.headers, zendesk::kSignatureHeader),
        header_value(request.headers, zendesk::kTimestampHeader), request.body, now, tolerance_);
    if (check == zendesk::SignatureCheck::kValid) return {true, "", ""};
    return {false,
            check == zendesk::SignatureCheck::kStale ? delivery_outcome::kStale
                                                     : delivery_outcome::kBadSignature,
            zendesk::signature_check_name(check)};
  }

  Result<ParsedDelivery> parse(const WebhookRequest& request, Instant now) const override {
    zendesk::DeliveryMeta meta;
    meta.invocation_id = std::string(header_value(request.headers, kZendeskInvocationHeader));
    meta.webhook_id = std::string(header_value(request.headers, kZendeskWebhookIdHeader));
    meta.received_at = now;
    return zendesk::parse_webhook_delivery(request.body, meta);
  }

 private:
  const Duration tolerance_;
};

class FreshdeskWebhookVendor final : public WebhookVendor {
 public:
  HelpdeskVendor vendor() const override { return HelpdeskVendor::kFreshdesk; }
  std::string_view path() const override { return freshdesk::kWebhookPath; }
  // Freshdesk sends no delivery id.
  std::string_view delivery_id(const HeaderMap&) const override { return ""; }
  std::string_view unauthorized_error() const override { return "invalid credentials"; }

  WebhookAuthCheck authenticate(const std::vector<std::string>& secrets,
                                const WebhookRequest& request, Instant) const override {
    const auto check = freshdesk::check_webhook_secret(
        secrets, header_value(request.headers, freshdesk::kSecretHeader),
        header_value(request.headers, freshdesk::kAuthorizationHeader));
    if (check == freshdesk::SecretCheck::kValid) return {true, "", ""};
    return {false, delivery_outcome::kBadSignature, freshdesk::secret_check_name(check)};
  }

  Result<ParsedDelivery> parse(const WebhookRequest& request, Instant now) const override {
    return freshdesk::parse_webhook_delivery(request.body, now);
  }
};

}  // namespace

std::unique_ptr<const WebhookVendor> make_webhook_vendor(HelpdeskVendor vendor,
                                                         Duration timestamp_tolerance) {
  if (vendor == HelpdeskVendor::kFreshdesk) return std::make_unique<FreshdeskWebhookVendor>();
  return std::make_unique<ZendeskWebhookVendor>(timestamp_tolerance);
}

}  // namespace tierd
