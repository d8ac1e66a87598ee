// Freshdesk webhook payload mapping: turns the body of one delivery into a
// vendor-neutral TicketEvent (core/ticket_event.h), or says why it is not one.
//
// Freshdesk webhooks are the "Trigger webhook" action of automation rules,
// and the admin writes their body from placeholders. tierd defines the body
// it expects; this is the contract with the admin (README, "Freshdesk"):
//
//   {"source": "freshdesk_rule",
//    "rule": "<the rule's name, typed as plain text>",
//    "event": "{{triggered_event}}",
//    "ticket": {"id": "{{ticket.id}}", "status": "{{ticket.status}}",
//               "priority": "{{ticket.priority}}", "group_id": "{{ticket.group.id}}",
//               "responder_id": "{{ticket.agent.id}}", "tags": "{{ticket.tags}}",
//               "source": "{{ticket.source}}", "updated_at": "{{ticket.updated_at}}"}}
//
// Freshdesk substitutes placeholders as raw text, so every one is quoted.
// Read as:
//   ticket.id          required: a positive id, string or number
//   status             a name in any case (Open, Pending, Resolved, Closed) or
//                      its code (2-5); custom statuses (6 and up, or another
//                      name) give an unknown status, which leaves the mirror's
//                      status as it was
//   priority           Low, Medium, High, Urgent in any case, or 1-4; "" or an
//                      unknown name: not carried
//   group_id, responder_id
//                      required keys: an id (string or number), "" / null / 0
//                      for none; anything else is refused, because a missing
//                      or unrendered id would read as "no group"/"unassigned"
//   tags               as {{ticket.tags}} renders them, comma-separated
//                      ("vip, tier1"), or a JSON array of strings
//   source             a channel name ("Email", "Feedback Widget") or its code
//   updated_at         an ISO-8601 instant; any other text is not used
//   event              the {{triggered_event}} text, not JSON:
//                      "{status:{from:2,to:3}}", "{ticket_action:created}"
// Unknown members are ignored. A body whose "source" is not "freshdesk_rule"
// is well-formed but not tierd's: kIgnored.
//
// The result is a kCreated event for {ticket_action:created}, otherwise a
// kSnapshot event (the body carries the ticket's state, not one change), of
// type "freshdesk_rule:<changed field>" ("freshdesk_rule:status",
// "freshdesk_rule:ticket_action"), or "freshdesk_rule" without an event.
// A change's from/to go into previous/current as Freshdesk wrote them.
//
// Freshdesk sends no delivery id, so the dedupe key is made from the body:
//   "freshdesk:<ticket id>:<updated_at, UTC>:<first 16 hex of sha256(rule + "\n" + event)>"
// when updated_at is an instant (a retried delivery repeats all three; two
// rules, or two changes in the same second, differ in rule or event), else
//   "freshdesk:<ticket id>:body:<first 16 hex of sha256(body)>".
//
// Pure and thread-safe: no I/O, no clock (the receive time is an argument),
// never throws, total on any input (it is fuzzed:
// fuzz/freshdesk_webhook_fuzz.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"
#include "helpdesk/webhook_delivery.h"

namespace tierd::freshdesk {

// Where the automation rule delivers webhooks on tierd's listener.
inline constexpr std::string_view kWebhookPath = "/webhooks/freshdesk";

// The "source" of tierd's body, and the type of the events it maps to.
inline constexpr std::string_view kRuleSource = "freshdesk_rule";
// TicketEvent::source of those events.
inline constexpr std::string_view kEventSourceName = "freshdesk.rule";

// The {{triggered_event}} text read tolerantly: "{status:{from:2,to:3}}"
// gives field "status", from "2", to "3"; "{ticket_action:created}" gives
// field "ticket_action", value "created". Empty field when the text has no
// "name:" part.
struct TriggeredEvent {
  std::string field;
  std::optional<std::string> value;
  std::optional<std::string> from;
  std::optional<std::string> to;
};
TriggeredEvent parse_triggered_event(std::string_view text);

// Freshdesk's codes and names, any case; nullopt (status: kUnknown) for the
// rest. Exposed for the tests and the later API client.
TicketStatus status_from_text(std::string_view text);
TicketStatus status_from_code(int64_t code);
std::optional<Priority> priority_from_text(std::string_view text);
std::optional<Priority> priority_from_code(int64_t code);
// "Feedback Widget" and 9 both give "feedback_widget"; "" for an unknown code.
std::string channel_from_text(std::string_view text);
std::string channel_from_code(int64_t code);

// Maps one delivery body. Returns kTicketEvent with the event, or kIgnored
// with a reason, on success; InvalidArgument naming the member and what was
// expected for malformed JSON, a body nested deeper than kMaxJsonNesting, a
// body that is not an object, or a tierd body with an unusable ticket id,
// group_id or responder_id, or a member of the wrong JSON type.
Result<ParsedDelivery> parse_webhook_delivery(std::string_view body, Instant received_at);

}  // namespace tierd::freshdesk
