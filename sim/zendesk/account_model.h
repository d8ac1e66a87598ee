// The simulator's account-admin objects: API-created webhooks (with their
// signing secrets) and ticket fields, their JSON shapes as Zendesk renders
// them, and the validation Zendesk documents for writes to them.
//
// Plain data and pure functions. The objects live in SimState (guarded by
// SimService's mutex); nothing here locks or reads a clock (`now` is passed
// in); random generators are passed in and serialised by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace tierd::sim {

struct SimWebhook {
  std::string id;  // ULID-like: 26 Crockford base32 characters
  std::string name;
  std::string status = "active";  // "active" | "inactive"
  std::string endpoint;
  std::string http_method = "POST";
  std::string request_format = "json";
  std::vector<std::string> subscriptions;
  std::string description;
  nlohmann::json authentication;  // null when none
  nlohmann::json custom_headers;  // null when none
  std::string created_by;
  Instant created_at;
  Instant updated_at;
  std::string signing_secret;

  bool subscribes_to_events() const;
  bool subscribed_to(const std::string& event_type) const;
};

struct SimFieldOption {
  int64_t id = 0;
  std::string name;
  std::string value;  // a tag
  bool is_default = false;
};

struct SimTicketField {
  int64_t id = 0;
  std::string type;  // "text", "tagger", ... or a system type ("subject", "status", ...)
  std::string title;
  std::string description;
  bool active = true;
  bool required = false;
  bool removable = true;  // false for system fields
  int64_t position = 0;
  std::vector<SimFieldOption> options;  // tagger and multiselect only
  Instant created_at;
  Instant updated_at;
};

// A Zendesk-shaped validation failure: the HTTP status, and the body.
struct SimApiError {
  int status = 400;
  nlohmann::json body;
};

// The error body of the Webhooks API: {"errors":[{code,title,detail,source}]}.
SimApiError webhook_error(int status, const std::string& code, const std::string& detail,
                          const std::string& field = "");

// The webhook's JSON form (no secret: Zendesk shows it only through the
// signing_secret endpoint).
nlohmann::json webhook_json(const SimWebhook& w);

// How a request writes a webhook.
enum class WebhookWrite {
  kCreate,  // POST: every writable field from the body; required ones must be there
  kPut,     // PUT: the same, except that subscriptions left out are kept (a real
            // capture shows PUT dropping authentication and description it is
            // not given, but keeping subscriptions)
  kPatch,   // PATCH: only the fields present change; null clears an optional one
};

// Applies the writable fields of a request's "webhook" object to `w` as
// `how` says. The result is then validated as Zendesk documents: required
// fields, allowed methods/formats/statuses, an http(s) endpoint, event
// subscriptions only with POST + json, "conditional_ticket_events" alone,
// and (when `was_event_subscribed` is set) no change of connection method.
// Returns the error on failure, leaving `w` in an unspecified state.
std::optional<SimApiError> apply_webhook_fields(SimWebhook& w, const nlohmann::json& body,
                                                WebhookWrite how,
                                                std::optional<bool> was_event_subscribed);

// "01" + 24 more Crockford base32 characters, time-ordered like a ULID.
std::string new_webhook_id(Instant now, std::mt19937_64& rng);
// A fresh signing secret: 32 random bytes, base64.
std::string new_signing_secret(std::mt19937_64& rng);

nlohmann::json ticket_field_json(const SimTicketField& f, const std::string& base_url);

// Applies a request's "ticket_field" object to `f` (creating: `type` and
// `title` required; updating: only present fields change, `type` cannot).
// custom_field_options, when present, replace the field's options (options
// whose value is unchanged keep their id; new ones get ids from
// `next_option_id`). Validated as Zendesk does: known type, non-empty title,
// dropdowns need at least one option, each option a name and a unique tag
// value. Returns a 422 RecordInvalid error on failure.
std::optional<SimApiError> apply_ticket_field(SimTicketField& f, const nlohmann::json& body,
                                              bool creating, int64_t& next_option_id);

// The system fields every account has (Subject, Description, Status, ...),
// with ids starting at `first_id`.
std::vector<SimTicketField> system_ticket_fields(int64_t first_id, Instant now);

}  // namespace tierd::sim
