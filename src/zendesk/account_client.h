// ZendeskAccountClient: the account-administration calls `tierd setup` makes
// against Zendesk's REST API: who the API user is, whether groups and users
// exist, the forward dropdown field, and the event-subscribed webhook with its
// signing secret.
//
// It sends its requests through a ZendeskApiClient (same connection options,
// TLS verification and Authorization header) and is as thread-safe as that
// client. Failures come back as Status values whose message names the HTTP
// status and the request and says what an admin can do about it
// ("zendesk GET /api/v2/webhooks: HTTP 403: the API user is not an admin ...").
// Secrets (tokens, the signing secret) are never logged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/ticket.h"
#include "helpdesk/helpdesk_api.h"
#include "zendesk/api_client.h"

namespace tierd::zendesk {

struct GroupInfo {
  GroupId id = 0;
  std::string name;
  bool deleted = false;
};

struct FieldOption {
  int64_t id = 0;  // 0 for an option not created yet
  std::string name;
  std::string value;  // the tag the option sets
  bool operator==(const FieldOption&) const = default;
};

struct TicketFieldInfo {
  int64_t id = 0;
  std::string type;  // "tagger" for a dropdown
  std::string title;
  bool active = true;
  std::vector<FieldOption> options;
};

// A webhook as Zendesk shows it, and (without id) what setup asks for.
struct WebhookInfo {
  std::string id;
  std::string name;
  std::string status;  // "active" | "inactive"
  std::string endpoint;
  std::string http_method;
  std::string request_format;
  std::vector<std::string> subscriptions;
  std::string description;
};

class ZendeskAccountClient {
 public:
  explicit ZendeskAccountClient(ZendeskApiOptions options);

  // GET /api/v2/users/me.
  Result<UserInfo> me();
  // GET /api/v2/groups/{id}; nullopt when the group does not exist.
  Result<std::optional<GroupInfo>> group(GroupId id);
  // GET /api/v2/users/show_many; unknown ids are left out.
  Result<std::vector<UserInfo>> users(const std::vector<UserId>& ids);
  // GET /api/v2/ticket_fields/{id}; nullopt when the field does not exist.
  Result<std::optional<TicketFieldInfo>> ticket_field(int64_t id);
  // GET /api/v2/ticket_fields, every page.
  Result<std::vector<TicketFieldInfo>> ticket_fields();
  // POST /api/v2/ticket_fields: an active dropdown ("tagger") field.
  Result<TicketFieldInfo> create_dropdown_field(const std::string& title,
                                                const std::string& description,
                                                const std::vector<FieldOption>& options);
  // PUT /api/v2/ticket_fields/{id} with the field's complete option list
  // (Zendesk removes options left out, so callers pass the existing ones too).
  Result<TicketFieldInfo> set_field_options(int64_t id, const std::vector<FieldOption>& options);
  // GET /api/v2/webhooks, every page.
  Result<std::vector<WebhookInfo>> webhooks();
  // POST /api/v2/webhooks; returns the created webhook (with its id).
  Result<WebhookInfo> create_webhook(const WebhookInfo& spec);
  // PATCH /api/v2/webhooks/{id} with the fields of `spec` that are set
  // (non-empty). Zendesk's PUT replaces the webhook and drops what the body
  // leaves out (an admin's authentication, the description); PATCH changes
  // only what it names, so everything else stays as the admin left it.
  Status update_webhook(const std::string& id, const WebhookInfo& spec);
  // GET /api/v2/webhooks/{id}/signing_secret; returns the secret.
  Result<std::string> signing_secret(const std::string& webhook_id);

 private:
  // One request; failures get a hint for the admin appended.
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const nlohmann::json* body);

  ZendeskApiClient api_;
};

// Parsers of Zendesk's JSON shapes; InvalidArgument when the object is unusable.
Result<TicketFieldInfo> parse_ticket_field(const nlohmann::json& field);
Result<WebhookInfo> parse_webhook(const nlohmann::json& webhook);

}  // namespace tierd::zendesk
