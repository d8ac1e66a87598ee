// Zendesk webhook payload mapping: turns the raw body of one delivery into a
// vendor-neutral TicketEvent (core/ticket_event.h), or says why it is not one.
//
// Two body shapes arrive at POST /webhooks/zendesk:
//
// 1. Event-subscribed webhooks (Zendesk's fixed envelope):
//      {"type": "zen:event-type:ticket.status_changed", "id": "<event uuid>",
//       "time": "2025-03-10T09:22:41Z", "subject": "zen:ticket:48213",
//       "detail": {<ticket after the change>}, "event": {<the change>}}
//    Every documented ticket event type maps to an EventKind; unknown ticket
//    types and non-ticket types (user, organization, ...) are kIgnored.
//    event_id is the envelope `id` (the redelivery dedupe key).
//
// 2. The trigger-connected webhook body that plugin_manifest installs. This
//    is the contract with plugin_manifest; Zendesk renders the placeholders as
//    plain text before sending:
//      {"source": "zendesk_trigger",
//       "trigger": "<trigger title, informational>",
//       "ticket": {"id": "{{ticket.id}}", "status": "{{ticket.status}}",
//                  "priority": "{{ticket.priority}}", "group_id": "{{ticket.group.id}}",
//                  "assignee_id": "{{ticket.assignee.id}}", "tags": "{{ticket.tags}}",
//                  "updated_at": "{{ticket.updated_at_with_timestamp}}",
//                  "via": "{{ticket.via}}", ...},
//       "current_user_id": "{{current_user.id}}"}
//    ids may be strings or numbers ("", "0" and 0 = none), status in any case ("Open",
//    "On-hold"), priority "" = none, tags a space-separated string or an
//    array, `via` a display name ("Web Form" becomes channel "web_form"),
//    updated_at any ISO-8601 form. The placeholder above renders to the
//    minute ("2013-12-12T05:35Z"), read as the start of that minute; a
//    delivery whose minute is that of a mirror stamped to the second later
//    in it counts as stale, and the reconciler's export (stamped to the
//    second) brings any change it carried. The result is a kSnapshot event. Its event_id is the
//    x-zendesk-webhook-invocation-id header when present, otherwise
//    "trigger:<ticket id>:<updated_at text>:<first 16 hex of sha256(body)>",
//    so a redelivery of the same body is still recognised as a duplicate.
//
// Pure and thread-safe: no I/O, no clock (the receive time comes in `meta`),
// never throws, total on any input (it is fuzzed: fuzz/webhook_fuzz.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/ticket_event.h"
#include "core/time.h"
#include "helpdesk/text_codec.h"
#include "helpdesk/webhook_delivery.h"

namespace tierd::zendesk {

// Where Zendesk delivers webhooks on tierd's listener; `tierd setup` points
// the webhook at public_url + this path.
inline constexpr std::string_view kWebhookPath = "/webhooks/zendesk";

inline constexpr std::string_view kTriggerSource = "zendesk_trigger";
inline constexpr std::string_view kEventSourceName = "zendesk.event";
inline constexpr std::string_view kTriggerSourceName = "zendesk.trigger";
// Descriptions are kept for keyword routing only; longer ones are cut here.
inline constexpr size_t kMaxDescriptionBytes = 4096;

// What the HTTP layer knows about a delivery besides its body.
struct DeliveryMeta {
  std::string invocation_id;  // x-zendesk-webhook-invocation-id; "" when absent
  std::string webhook_id;     // x-zendesk-webhook-id; "" when absent
  Instant received_at{};      // receiver's clock; the event time when the body has none
};

// Maps one delivery body (helpdesk/webhook_delivery.h). Returns kTicketEvent
// with the event, or kIgnored with a reason, on success; InvalidArgument with
// a short reason for malformed JSON, a body nested deeper than
// kMaxJsonNesting, a body that is not a JSON object, or a ticket event
// without a usable ticket id.
Result<ParsedDelivery> parse_webhook_delivery(std::string_view body, const DeliveryMeta& meta);

// The full type names ("zen:event-type:ticket.status_changed", sorted) of
// the ticket events tierd acts on: every documented one that maps to a kind
// other than EventKind::kOtherChange. `tierd setup` subscribes the webhook
// to these.
std::vector<std::string> acted_on_ticket_event_types();

}  // namespace tierd::zendesk
